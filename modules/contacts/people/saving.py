"""Saving a checked contact form: what the edit pages and the API share.

`forms.clean` has checked the form; these store it with the side effects a
save has wherever it comes from: custom fields, an organisation's primary
contact, the household's timeline, a note when a contact was created beside
contacts it seemed to duplicate."""

from __future__ import annotations

from modules.contacts.models import Activity, Contact
from modules.contacts.people import custom_fields, existing, records, relations
from modules.contacts.people.forms import Cleaned


def create(kind: str, form, cleaned: Cleaned, matches: list[existing.Match] = (), *, user=None) -> Contact:
    """A new contact from a checked form; `matches` are the contacts it was
    created beside (the person or script chose to create it anyway)."""
    contact = records.create(kind, cleaned.values, cleaned.details, user=user)
    if matches:
        note_created_anyway(contact, matches, user=user)
    custom_fields.save(contact, form.custom, cleaned.custom, user=user, record=False)
    if cleaned.primary_contact not in (..., None):
        relations.set_primary_contact(contact, cleaned.primary_contact, user=user)
    if cleaned.values.get("household_id"):
        relations._note(cleaned.values["household_id"], f"{contact.display_name} joined the household", user)
    return contact


def update(contact: Contact, form, cleaned: Cleaned, *, user=None) -> bool:
    """Store a checked edit form; True when anything changed."""
    old_household = contact.household_id
    changes = records.update(contact, cleaned.values, cleaned.details, user=user)
    changes.update(custom_fields.save(contact, form.custom, cleaned.custom, user=user))
    if cleaned.primary_contact is not ...:
        changes.update(relations.set_primary_contact(contact, cleaned.primary_contact, user=user))
    if "household_id" in changes:
        if cleaned.values.get("household_id"):
            relations._note(cleaned.values["household_id"], f"{contact.display_name} joined the household", user)
        if old_household:
            relations._note(old_household, f"{contact.display_name} left the household", user)
    return bool(changes)


def note_created_anyway(contact: Contact, matches: list[existing.Match], *, user=None) -> None:
    """Say on the new contact's timeline whom it was created beside, for
    whoever works through the duplicates queue later."""
    from app.extensions import db

    names = ", ".join(f"{m.display_name} (#{m.contact_id})" for m in matches)
    why = "; ".join(f"{m.display_name}: {', '.join(m.reasons)}" for m in matches)
    user = user or records._actor()
    db.session.add(Activity(contact_id=contact.id, kind="change", subject=f"Created anyway beside {names}"[:200],
                            body=why, user_id=getattr(user, "id", None)))
