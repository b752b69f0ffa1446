"""The donor of a Stripe payment: the oldest live contact with the
payer's email (the same duplicate rules as the new-contact form and the
imports), or a new person."""

from __future__ import annotations

from modules.contacts.people import existing, records
from modules.contacts.people.records import Details


def find_or_create(email: str, name: str, customer_id: str) -> tuple[int, bool]:
    """(contact id, created?)."""
    email = (email or "").strip()
    if email:
        matches = existing.find("person", emails=[email], ways=(existing.EMAIL,))
        if matches:
            return matches[0].contact_id, False
    first, _, last = (name or "").strip().rpartition(" ")
    if not first:  # one word, or nothing at all
        first, last = "", (name or "").strip() or email or f"Stripe customer {customer_id}"
    details = Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [])
    contact = records.create("person", {"first_name": first, "last_name": last, "source": "Stripe"}, details,
                             user=None)
    return contact.id, True
