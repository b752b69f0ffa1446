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


def _primary_of(organisation_ids: list[int]) -> dict[int, Contact]:
    """Each organisation's live person whose relationship is marked primary
    (the first such relationship), in one query."""
    R = Relationship
    found: dict[int, Contact] = {}
    if not organisation_ids:
        return found
    via_a = and_(R.contact_a_id.in_(organisation_ids), Contact.id == R.contact_b_id)
    via_b = and_(R.contact_b_id.in_(organisation_ids), Contact.id == R.contact_a_id)
    rows = db.session.execute(select(R.contact_a_id, R.contact_b_id, Contact).join(R, or_(via_a, via_b)).where(
        R.is_primary.is_(True), Contact.kind == PERSON, Contact.deleted_at.is_(None)).order_by(R.id))
    wanted = set(organisation_ids)
    for a_id, b_id, person in rows:
        organisation_id = a_id if a_id in wanted and b_id == person.id else b_id
        found.setdefault(organisation_id, person)
    return found


def primary_contact(organisation: Contact) -> Contact | None:
    """The live person whose relationship with `organisation` is marked primary."""
    return _primary_of([organisation.id]).get(organisation.id)


def _first_names_of(household_ids: list[int]) -> dict[int, list[str]]:
    """The first (or preferred) names of each household's live members, by
    name; one more than are greeted, to tell "too many" apart."""
    names: dict[int, list[str]] = {}
    if household_ids:
        for household_id, preferred, first in db.session.execute(
                select(Contact.household_id, Contact.preferred_name, Contact.first_name).where(
                    Contact.household_id.in_(household_ids), Contact.kind == PERSON, Contact.deleted_at.is_(None))
                .order_by(Contact.household_id, Contact.sort_name, Contact.id)):
            members = names.setdefault(household_id, [])
            if len(members) <= HOUSEHOLD_NAMES_GREETED:
                members.append((preferred or first or "").strip())
    return names


def household_first_names(household: Contact) -> list[str]:
    return _first_names_of([household.id]).get(household.id, [])


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _household_name(contact: Contact) -> str:
    name = (contact.display_name or contact.name or "").strip()
    return name[4:] if name.lower().startswith("the ") and len(name) > 4 else name


def _by_rule(contact: Contact, names: list[str], person: Contact | None) -> Addressing:
    """The rules, given a household's member names or an organisation's
    primary person."""
    if contact.kind == HOUSEHOLD:
        greeted = join_names(names) if names and len(names) <= HOUSEHOLD_NAMES_GREETED and all(names) else ""
        return Addressing(greeted or _household_name(contact) or "Friends", contact.display_name)
    if contact.kind == ORGANISATION:
        if person is None:
            return Addressing(f"friends at {contact.display_name}", contact.display_name)
        them = of(person)
        return Addressing(them.salutation, f"{them.addressee}, {contact.display_name}", via=person)
    return Addressing(person_salutation(contact), contact.display_name)


def _overridden(contact: Contact, found: Addressing) -> Addressing:
    return Addressing((contact.salutation or "").strip() or found.salutation,
                      (contact.addressee or "").strip() or found.addressee, found.via)


def by_rule(contact: Contact) -> Addressing:
    """What the rules give, before the contact's own overrides."""
    names = household_first_names(contact) if contact.kind == HOUSEHOLD else []
    person = primary_contact(contact) if contact.kind == ORGANISATION else None
    return _by_rule(contact, names, person)


def of(contact: Contact) -> Addressing:
    """How letters greet and address `contact` (its overrides win)."""
    return _overridden(contact, by_rule(contact))


def of_many(contacts) -> dict[int, Addressing]:
    """`of` for many contacts (a batch of messages or receipts) in two
    queries, whatever their kinds: contact id -> Addressing."""
    contacts = list(contacts)
    names = _first_names_of([c.id for c in contacts if c.kind == HOUSEHOLD])
    people = _primary_of([c.id for c in contacts if c.kind == ORGANISATION])
    return {c.id: _overridden(c, _by_rule(c, names.get(c.id, []), people.get(c.id))) for c in contacts}
