"""Search documents and derived columns for imported contacts: the same as
`search.document` and `records.refresh_derived` give, built from parts an
import already has (the digits of a row's phones come from `numbers.read`)
and with folding cached, since names recur across a file's rows."""

from __future__ import annotations

import re
from functools import lru_cache

from modules.contacts import phones, search
from modules.contacts.models import PERSON

fold = lru_cache(maxsize=100_000)(search.fold)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


@lru_cache(maxsize=50_000)
def phone_parts(number: str, home: str) -> tuple[str, str]:
    """What `search.document` takes from a stored number: its digits and those of its display form."""
    return _digits(number), _digits(phones.display(number, home))


def document(contact, emails, phone_digits) -> str:
    """`search.document(contact, emails, phones)`, where `phone_digits` holds
    each phone's `phone_parts`."""
    parts = [contact.display_name, contact.first_name, contact.middle_name, contact.last_name,
             contact.preferred_name, contact.name]
    parts += [e.email for e in emails]
    for pair in phone_digits:
        parts += pair
    return " ".join(fold(p) for p in parts if p)


def refresh_derived(contact) -> None:
    """`records.refresh_derived`, with the sort name folded through the cache."""
    if contact.kind != PERSON:
        name = (contact.name or "").strip() or "(no name)"
        contact.display_name, contact.sort_name = name, fold(name)
    else:
        prefix, first, middle, last, suffix, preferred = (
            (getattr(contact, f) or "").strip()
            for f in ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name"))
        display = " ".join(p for p in (prefix, preferred or first, last, suffix) if p) or "(no name)"
        key = " ".join(p for p in (last, first, middle) if p)
        contact.display_name, contact.sort_name = display, fold(key or display)
    email, phone, address = _primary(contact.emails), _primary(contact.phones), _primary(contact.addresses)
    contact.email = email.email if email else None
    contact.phone = phone.number if phone else None
    contact.city = (address.city or None) if address else None
    contact.postcode = (address.postcode.upper() or None) if address else None
    contact.country = (address.country.upper() or None) if address else None


def _primary(rows):
    return next((r for r in rows if r.is_primary), rows[0] if rows else None)
