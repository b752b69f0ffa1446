"""How a contact links to others: household membership, relationships and
tags. Every change is audited and noted on the timeline of each contact it
touches; changes to the contact row itself go through `records.update`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, or_

from app import audit
from app.extensions import db
from app.ids import parse_id
from app.models.base import utcnow
from app.statements import built_once
from modules.contacts.lists import search
from modules.contacts.models import (
    HOUSEHOLD,
    PERSON,
    Activity,
    Contact,
    Relationship,
    RelationshipType,
    Tag,
)
from modules.contacts.people import records

LOOKUP_LIMIT = 10
MEMBERS_SHOWN = 100
# The palette the admin's tag editor offers (styled by .tag-<colour> in steward.css).
TAG_COLOURS = ("blue", "green", "teal", "purple", "pink", "orange", "brown", "grey")
KIND_NOUN = {HOUSEHOLD: "household", PERSON: "person", None: "contact", "organisation": "organisation"}
_BY_NUMBER = re.compile(r"(?:\(#(\d+)\)|^#?(\d+))\s*$")


def _note(contact_id: int, subject: str, user=None) -> None:
    user = user or records._actor()
    db.session.add(Activity(contact_id=contact_id, kind="change", subject=subject[:200],
                            user_id=getattr(user, "id", None)))


# ---------------------------------------------------------------- finding contacts
def lookup(query: str, kind: str | None = None, exclude_id: int | None = None,
           limit: int = LOOKUP_LIMIT) -> list[Contact]:
    """Live contacts whose names start with the words of `query` (or its number)."""
    query = (query or "").strip()
    stmt = db.select(Contact).where(Contact.deleted_at.is_(None))
    if kind:
        stmt = stmt.where(Contact.kind == kind)
    if exclude_id:
        stmt = stmt.where(Contact.id != exclude_id)
    number = _BY_NUMBER.search(query)
    if number:
        number_id = parse_id(number.group(1) or number.group(2))
        if number_id is None:
            return []
        stmt = stmt.where(Contact.id == number_id)
    else:
        ids = search.matching_ids(query)
        if ids is None:
            return []
        stmt = stmt.where(Contact.id.in_(ids))
    return db.session.scalars(stmt.order_by(Contact.sort_name, Contact.id).limit(limit)).all()


def resolve(text: str, kind: str | None = None, exclude_id: int | None = None) -> tuple[Contact | None, str]:
    """The one contact that `text` names: "Name (#12)", "#12", "12" or an exact
    name. Returns (contact, "") or (None, a message for the person typing)."""
    noun = KIND_NOUN.get(kind, "contact")
    text = (text or "").strip()
    number = _BY_NUMBER.search(text)
    if number:
        written = number.group(1) or number.group(2)
        found = db.session.get(Contact, contact_id) if (contact_id := parse_id(written)) is not None else None
        if found is None or found.deleted_at is not None or (kind and found.kind != kind):
            return None, f"There is no {noun} number {written}."
        if found.id == exclude_id:
            return None, "Choose another contact than this one."
        return found, ""
    ids = search.matching_ids(text)
    matches = [] if ids is None else db.session.scalars(
        db.select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_(None),
                                 func.lower(Contact.display_name) == text.lower(),
                                 *([Contact.kind == kind] if kind else []),
                                 *([Contact.id != exclude_id] if exclude_id else [])).limit(2)).all()
    if not matches:
        return None, (f"No {noun} is called “{text}”. Pick one of the suggestions, "
                      f"or enter the {noun}'s number.")
    if len(matches) > 1:
        return None, (f"More than one {noun} is called “{text}”. Pick one of the suggestions, "
                      f"or enter the number of the one you mean.")
    return matches[0], ""


def option_text(contact: Contact) -> str:
    return f"{contact.display_name} (#{contact.id})"


# ---------------------------------------------------------------- households
def members(household: Contact) -> list:
    """`(id, display_name)` rows of the household's first members by name."""
    return db.session.execute(_page_statements()["members"], {"contact_id": household.id}).all()


def default_household_name(person: Contact) -> str:
    last = (person.last_name or "").strip()
    return f"The {last} Family" if last else f"{person.display_name}'s household"


def join_household(person: Contact, household: Contact, *, user=None) -> bool:
    if person.kind != PERSON or household.kind != HOUSEHOLD:
        raise ValueError("Only a person can join a household.")
    old = person.household if person.household_id else None
    if records.update(person, {"household_id": household.id}, user=user):
        _note(household.id, f"{person.display_name} joined the household", user)
        if old is not None:
            _note(old.id, f"{person.display_name} left the household", user)
        return True
    return False


def leave_household(person: Contact, *, user=None) -> bool:
    household = person.household if person.household_id else None
    if household is None:
        return False
    records.update(person, {"household_id": None}, user=user)
    _note(household.id, f"{person.display_name} left the household", user)
    return True


def create_household(person: Contact, name: str = "", *, user=None) -> Contact:
    """A new household named `name` (default "The Smith Family") sharing the
    person's primary address, with the person in it."""
    address = next((a for a in person.addresses if a.is_primary), None)
    details = records.Details(addresses=[{k: getattr(address, k) for k in (
        "label", "line1", "line2", "city", "region", "postcode", "country")} | {"is_primary": True}]
        if address else [])
    household = records.create(HOUSEHOLD, {"name": name.strip() or default_household_name(person),
                                           "owner_id": person.owner_id}, details, user=user)
    join_household(person, household, user=user)
    return household


# ---------------------------------------------------------------- relationships
@dataclass(frozen=True)
class Link:
    """A relationship seen from one contact: "<this contact> is <label> <other>"."""

    id: int  # the relationship's
    label: str
    note: str
    other_id: int
    other_name: str
    is_primary: bool = False  # the organisation's primary contact (letters go through them)


@built_once
def _page_statements() -> dict:
    """What the contact page reads here: its relationships, a household's
    members, the relationship types."""
    contact_id = bindparam("contact_id")
    R, T = Relationship, RelationshipType
    mine_a = R.contact_a_id == contact_id
    links = (db.select(R.id, case((mine_a, T.a_to_b), else_=T.b_to_a), R.note, Contact.id, Contact.display_name,
                       Contact.sort_name, R.is_primary)
             .join(T, T.id == R.type_id)
             .join(Contact, Contact.id == case((mine_a, R.contact_b_id), else_=R.contact_a_id))
             .where(or_(mine_a, R.contact_b_id == contact_id), Contact.deleted_at.is_(None)))
    members = (db.select(Contact.id, Contact.display_name)
               .where(Contact.household_id == contact_id, Contact.deleted_at.is_(None))
               .order_by(Contact.sort_name, Contact.id).limit(MEMBERS_SHOWN))
    types = db.select(T.id, T.a_to_b, T.b_to_a).order_by(T.a_to_b)
    return {"links": links, "members": members, "types": types}


def type_choices() -> list[tuple[str, str]]:
    """Both directions of each type: "3:a" (this contact is A) and "3:b"."""
    out = []
    for type_id, a_to_b, b_to_a in db.session.execute(_page_statements()["types"]):
        out.append((f"{type_id}:a", a_to_b))
        if b_to_a != a_to_b:
            out.append((f"{type_id}:b", b_to_a))
    return sorted(out, key=lambda c: c[1].lower())


def links(contact: Contact) -> list[Link]:
    """Every relationship of `contact` with a live contact, named from its
    side, by label then the other's name (one query)."""
    rows = db.session.execute(_page_statements()["links"], {"contact_id": contact.id})
    found = [(Link(rel_id, label, note or "", other_id, name, bool(primary)), sort_name)
             for rel_id, label, note, other_id, name, sort_name, primary in rows]
    found.sort(key=lambda item: (item[0].label.lower(), item[1] or "", item[0].id))
    return [link for link, _ in found]


def describe(rel: Relationship) -> str:
    return f"{rel.contact_a.display_name} is {rel.type.a_to_b} {rel.contact_b.display_name}"


def add_relationship(contact: Contact, choice: str, other: Contact, note: str = "", *, user=None) -> Relationship:
    """`choice` is from `type_choices`. Raises ValueError with a message."""
    type_id, _, side = (choice or "").partition(":")
    type_id = parse_id(type_id)
    rtype = db.session.get(RelationshipType, type_id) if type_id is not None else None
    if rtype is None or side not in ("a", "b"):
        raise ValueError("Choose a kind of relationship.")
    if other.id == contact.id:
        raise ValueError("A contact cannot be related to itself.")
    a, b = (contact, other) if side == "a" else (other, contact)
    R = Relationship
    exists = db.session.scalar(db.select(R.id).where(R.type_id == rtype.id, or_(
        (R.contact_a_id == a.id) & (R.contact_b_id == b.id),
        (R.contact_a_id == b.id) & (R.contact_b_id == a.id) if rtype.a_to_b == rtype.b_to_a else False)))
    if exists:
        raise ValueError("These two are already linked this way.")
    rel = Relationship(type=rtype, contact_a=a, contact_b=b, note=note)
    db.session.add(rel)
    db.session.flush()
    text = describe(rel)
    audit.record(audit.CREATE, rel, object_type="contacts_relationship", user=user,
                 summary=f"Linked: {text}")
    _note(a.id, f"Now {rtype.a_to_b} {b.display_name}", user)
    _note(b.id, f"Now {rtype.b_to_a} {a.display_name}", user)
    return rel


def remove_relationship(rel: Relationship, *, user=None) -> None:
    text = describe(rel)
    audit.record(audit.DELETE, rel, object_type="contacts_relationship", user=user, summary=f"Unlinked: {text}")
    _note(rel.contact_a_id, f"No longer {rel.type.a_to_b} {rel.contact_b.display_name}", user)
    _note(rel.contact_b_id, f"No longer {rel.type.b_to_a} {rel.contact_a.display_name}", user)
    db.session.delete(rel)


# ---------------------------------------------------------------- primary contact
def linked_people(organisation: Contact) -> list[tuple[int, str]]:
    """`(id, display_name)` of the live people linked to `organisation` by
    any relationship: those it can be addressed through."""
    R = Relationship
    other = case((R.contact_a_id == organisation.id, R.contact_b_id), else_=R.contact_a_id)
    rows = db.session.execute(
        db.select(Contact.id, Contact.display_name).join(R, Contact.id == other)
        .where(or_(R.contact_a_id == organisation.id, R.contact_b_id == organisation.id),
               Contact.kind == PERSON, Contact.deleted_at.is_(None))
        .order_by(Contact.sort_name, Contact.id).limit(MEMBERS_SHOWN)).all()
    return list(dict.fromkeys((row[0], row[1]) for row in rows))


def set_primary_contact(organisation: Contact, person_id: int | None, *, user=None) -> dict:
    """Mark the relationship with `person_id` as the organisation's primary
    contact (None: nobody); returns `{"primary_contact": (old, new)}` when
    it changed, audited under that name (the edit form's field)."""
    from modules.contacts.people import addressing

    R = Relationship
    before = addressing.primary_contact(organisation)
    if (before.id if before else None) == person_id:
        return {}
    links = db.session.scalars(db.select(R).where(
        or_(R.contact_a_id == organisation.id, R.contact_b_id == organisation.id)).order_by(R.id)).all()
    chosen = None
    for rel in links:
        other = rel.contact_b_id if rel.contact_a_id == organisation.id else rel.contact_a_id
        rel.is_primary = chosen is None and other == person_id
        if rel.is_primary:
            chosen = rel
    if person_id is not None and chosen is None:
        raise ValueError("Link the person to the organisation first.")
    db.session.flush()
    after = addressing.primary_contact(organisation)
    changes = {"primary_contact": (before.display_name if before else "", after.display_name if after else "")}
    organisation.updated_at = utcnow()
    audit.record(audit.UPDATE, organisation, user=user, changes=changes,
                 summary=f"Edited {organisation.display_name}: primary contact")
    _note(organisation.id, f"Primary contact: {after.display_name}" if after else "No primary contact", user)
    return changes


# ---------------------------------------------------------------- tags
def all_tags() -> list[Tag]:
    return db.session.scalars(db.select(Tag).order_by(Tag.name)).all()


def find_or_create_tag(name: str, colour: str = "blue", *, user=None) -> Tag:
    name = name.strip()[:60]
    tag = db.session.scalar(db.select(Tag).where(func.lower(Tag.name) == name.lower()))
    if tag is None:
        tag = Tag(name=name, colour=colour if colour in TAG_COLOURS else "blue")
        db.session.add(tag)
        db.session.flush()
        audit.record(audit.CREATE, tag, user=user, summary=f"Created tag {name}")
    return tag


def _tags_changed(contact: Contact, before: list[str], subject: str, user) -> None:
    contact.updated_at = utcnow()
    audit.record(audit.UPDATE, contact, user=user, summary=f"Edited {contact.display_name}: {subject.lower()}",
                 changes={"tags": (", ".join(before), ", ".join(t.name for t in contact.tags))})
    _note(contact.id, subject, user)


def add_tag(contact: Contact, tag: Tag, *, user=None) -> bool:
    if tag.id is None:
        db.session.add(tag)
        db.session.flush()
    if any(t.id == tag.id for t in contact.tags):
        return False
    before = [t.name for t in contact.tags]
    contact.tags.append(tag)
    _tags_changed(contact, before, f"Tagged {tag.name}", user)
    return True


def remove_tag(contact: Contact, tag: Tag, *, user=None) -> bool:
    if not any(t.id == tag.id for t in contact.tags):
        return False
    before = [t.name for t in contact.tags]
    contact.tags.remove(tag)
    _tags_changed(contact, before, f"Removed tag {tag.name}", user)
    return True
