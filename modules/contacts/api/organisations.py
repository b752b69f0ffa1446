"""Organisations: /api/v1/organisations."""

from modules.contacts.api.contact_resource import make
from modules.contacts.api.schemas import Organisation
from modules.contacts.models import ORGANISATION

blp = make(ORGANISATION, "organisations", Organisation, "Organisations and their primary contact")
