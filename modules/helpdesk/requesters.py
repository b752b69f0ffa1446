"""The contact a message is from: matched by email through contacts' one
rule for "already there" (people/existing.py), or created."""

from __future__ import annotations

from modules.contacts.models import PERSON, Contact
from modules.contacts.people import existing, records


def find_or_create(address: str, name: str) -> Contact:
    matches = existing.find(PERSON, emails=[address], ways=(existing.EMAIL,), limit=1)
    if matches:
        from app.extensions import db

        return db.session.get(Contact, matches[0].contact_id)
    words = name.replace('"', "").split()
    if "," in name and len(words) >= 2:  # "Able, Ann"
        last, first = name.split(",", 1)
        words = [first.strip(), last.strip()]
    first = " ".join(words[:-1]) if len(words) > 1 else (words[0] if words else address.split("@")[0])
    last = words[-1] if len(words) > 1 else ""
    return records.create(PERSON, {"first_name": first[:100], "last_name": last[:100]},
                          records.Details(emails=[{"email": address, "label": "", "is_primary": True}]))
