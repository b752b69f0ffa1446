"""How a letter greets a contact ("Dear …,") and whom it addresses, for
receipts today and campaign layouts later.

The rules, each overridden by the contact's own `salutation` and
`addressee` when set:

- a person: greeted by their preferred or first name ("Grace"), else
  "Dr Hopper", else "Friend"; addressed by their display name;
- a household: greeted by its members' first names ("Grace and Walter",
  at most three; more, or none, and the household's name without a
  leading "The": "Hopper Family"); addressed by the household's name;
- an organisation: through its primary contact (the person whose
  relationship with it is marked primary): greeted as that person is
  ("Grace") and addressed "Grace Hopper, Acme Ltd"; without one,
  "friends at Acme Ltd" and the organisation's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from app.extensions import db
from modules.contacts.models import HOUSEHOLD, ORGANISATION, PERSON, Contact, Relationship

HOUSEHOLD_NAMES_GREETED = 3


@dataclass(frozen=True)
class Addressing:
    salutation: str  # what follows "Dear "
    addressee: str  # the name above the postal address
    via: Contact | None = None  # the person an organisation is addressed through


def person_salutation(contact: Contact) -> str:
    first = (contact.preferred_name or contact.first_name or "").strip()
    formal = " ".join(p for p in ((contact.prefix or "").strip(), (contact.last_name or "").strip()) if p)
    return first or formal or "Friend"


def primary_contact(organisation: Contact) -> Contact | None:
    """The live person whose relationship with `organisation` is marked primary."""
    R = Relationship
    org_id = organisation.id
    other = or_(and_(R.contact_a_id == org_id, Contact.id == R.contact_b_id),
                and_(R.contact_b_id == org_id, Contact.id == R.contact_a_id))
    return db.session.scalar(select(Contact).join(R, other).where(
        R.is_primary.is_(True), Contact.kind == PERSON, Contact.deleted_at.is_(None)).order_by(R.id).limit(1))


def household_first_names(household: Contact) -> list[str]:
    """The first (or preferred) names of the household's live members, by
    name; one more than are greeted, to tell "too many" apart."""
    rows = db.session.execute(select(Contact.preferred_name, Contact.first_name).where(
        Contact.household_id == household.id, Contact.kind == PERSON, Contact.deleted_at.is_(None))
        .order_by(Contact.sort_name, Contact.id).limit(HOUSEHOLD_NAMES_GREETED + 1))
    return [(preferred or first or "").strip() for preferred, first in rows]


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _household_name(contact: Contact) -> str:
    name = (contact.display_name or contact.name or "").strip()
    return name[4:] if name.lower().startswith("the ") and len(name) > 4 else name


def by_rule(contact: Contact) -> Addressing:
    """What the rules give, before the contact's own overrides."""
    if contact.kind == HOUSEHOLD:
        names = household_first_names(contact)
        greeted = join_names(names) if names and len(names) <= HOUSEHOLD_NAMES_GREETED and all(names) else ""
        return Addressing(greeted or _household_name(contact) or "Friends", contact.display_name)
    if contact.kind == ORGANISATION:
        person = primary_contact(contact)
        if person is None:
            return Addressing(f"friends at {contact.display_name}", contact.display_name)
        them = of(person)
        return Addressing(them.salutation, f"{them.addressee}, {contact.display_name}", via=person)
    return Addressing(person_salutation(contact), contact.display_name)


def of(contact: Contact) -> Addressing:
    """How letters greet and address `contact` (its overrides win)."""
    found = by_rule(contact)
    return Addressing((contact.salutation or "").strip() or found.salutation,
                      (contact.addressee or "").strip() or found.addressee, found.via)
