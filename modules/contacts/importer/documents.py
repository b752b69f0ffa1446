"""Search documents and derived columns for imported contacts: the same as
`search.document` and `records.refresh_derived` give, built from parts an
import already has (the digits of a row's phones come from `numbers.read`)
and with folding cached, since names recur across a file's rows."""

from __future__ import annotations

from functools import lru_cache

from modules.contacts.importer import numbers
from modules.contacts.lists import search
from modules.contacts.models import PERSON


def _fold(value: str) -> str:
    """`search.fold`; plain ASCII text (most names, every email and run of
    digits) needs no Unicode decomposition, so it skips that step."""
    if value.isascii():
        return search._WORD.sub(" ", value.lower()).replace("_", " ").strip()  # the same pattern
    return search.fold(value)


# names recur across a file's rows; emails and numbers mostly do not
fold = lru_cache(maxsize=100_000)(_fold)


def _fold_digits(value: str) -> str:
    """`_fold` of a phone's digits: plain ASCII digits fold to themselves."""
    return value if value.isascii() and value.isdigit() else _fold(value)


def phone_parts(number: str, home: str) -> tuple[str, str]:
    """What `search.document` takes from a stored number: its digits and those of its display form."""
    return numbers.stored(number, home) if number else ("", "")


def document(contact, emails, phone_digits) -> str:
    """`search.document(contact, emails, phones)`, where `phone_digits` holds
    each phone's `phone_parts`."""
    parts = [contact.display_name, contact.first_name, contact.middle_name, contact.last_name,
             contact.preferred_name, contact.name]
    out = [fold(p) for p in parts if p]
    out += [_fold(e.email) for e in emails if e.email]
    for pair in phone_digits:
        out += [_fold_digits(p) for p in pair if p]
        out.append(search.backwards(pair[0]))
    return " ".join(w for w in out if w)


def new_document(values: dict, display_name: str, emails: list[str], phone_digits) -> str:
    """`document` for a new contact's row: `values` its name parts, `emails`
    the addresses, `phone_digits` each phone's pair of digits."""
    out = [fold(p) for p in (display_name, values.get("first_name"), values.get("middle_name"),
                             values.get("last_name"), values.get("preferred_name"), values.get("name")) if p]
    out += [_fold(e) for e in emails if e]
    for pair in phone_digits:
        out += [_fold_digits(p) for p in pair if p]
        out.append(search.backwards(pair[0]))
    return " ".join(w for w in out if w)


def names(kind: str, get) -> tuple[str, str]:
    """(display name, sort name) as `records.names` makes them; `get(field)` reads a name part."""
    if kind != PERSON:
        name = (get("name") or "").strip() or "(no name)"
        return name, fold(name)
    prefix, first, middle, last, suffix, preferred = (
        (get(f) or "").strip() for f in ("prefix", "first_name", "middle_name", "last_name", "suffix",
                                         "preferred_name"))
    display = " ".join(p for p in (prefix, preferred or first, last, suffix) if p) or "(no name)"
    key = " ".join(p for p in (last, first, middle) if p)
    return display, fold(key or display)


def refresh_derived(contact) -> None:
    """`records.refresh_derived`, with the sort name folded through the cache."""
    contact.display_name, contact.sort_name = names(contact.kind, lambda f: getattr(contact, f))
    email, phone, address = _primary(contact.emails), _primary(contact.phones), _primary(contact.addresses)
    contact.email = email.email if email else None
    contact.phone = phone.number if phone else None
    contact.city = (address.city or None) if address else None
    contact.postcode = (address.postcode.upper() or None) if address else None
    contact.country = (address.country.upper() or None) if address else None


def _primary(rows):
    return next((r for r in rows if r.is_primary), rows[0] if rows else None)
