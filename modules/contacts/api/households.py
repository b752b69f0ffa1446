"""Households: /api/v1/households (people join one with `household_id`)."""

from modules.contacts.api.contact_resource import make
from modules.contacts.api.schemas import Household
from modules.contacts.models import HOUSEHOLD

blp = make(HOUSEHOLD, "households", Household, "Households; their members are the people whose "
                                               "household_id names them")
