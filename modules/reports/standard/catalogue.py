"""Declarations of the contacts standard reports (app/reporting/standard.py)."""

from app.reporting.standard import Param, StandardReport

R = "modules.reports.standard"
PERIOD = (Param("from", "From", "date", default=f"{R}.growth:default_start",
                hint="The first day counted (default: twelve months ago)."),
          Param("to", "To", "date", default=f"{R}.growth:default_end"))

REPORTS = [
    StandardReport("contacts.growth", "Contact growth", "Contacts added month by month, and the total.",
                   "contacts.view", f"{R}.growth:growth", "Contacts", PERIOD, order=10),
    StandardReport("contacts.by-tag", "Contacts by tag", "How many contacts carry each tag, and how many of "
                   "them were added in the period.", "contacts.view", f"{R}.growth:by_tag", "Contacts", PERIOD,
                   order=20),
    StandardReport("contacts.by-source", "Contacts by source", "Where contacts came from, in the period and in all.",
                   "contacts.view", f"{R}.growth:by_source", "Contacts", PERIOD, order=30),
    StandardReport("contacts.quality", "Data quality", "Contacts with no email address, no postal address, and "
                   "likely duplicates.", "contacts.view", f"{R}.quality:quality", "Contacts", order=40),
]
