"""People: /api/v1/contacts."""

from modules.contacts.api.contact_resource import make
from modules.contacts.api.schemas import Person
from modules.contacts.models import PERSON

blp = make(PERSON, "contacts", Person, "People, with their emails, phones, addresses, tags, custom fields, "
                                       "relationships and external ids")
