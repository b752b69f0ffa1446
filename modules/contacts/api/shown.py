"""Contacts as the API shows them, a page at a time in a bounded number of
queries: details and tags by selectin, then one query each for custom
values, external ids, relationships and household members."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy.orm import selectinload

from app.extensions import db
from modules.contacts.models import (
    HOUSEHOLD,
    ORGANISATION,
    PERSON,
    Contact,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
)
from modules.contacts.people import custom_fields, external_ids

PERSON_TEXT = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "pronouns",
               "preferred_language")
COMMON_TEXT = ("salutation", "addressee", "source", "notes")
FLAGS = ("do_not_email", "do_not_phone", "do_not_mail")
LOADS = (selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses),
         selectinload(Contact.tags))


def _number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def custom_json(field: CustomField, value):
    if value is None:
        return None
    if field.type == "number":
        return _number(value)
    if field.type == "date":
        return value.isoformat()
    return value


def _custom_values(contacts: list[Contact]) -> dict[int, dict[str, object]]:
    fields = {f.id: f for f in db.session.scalars(
        db.select(CustomField).where(CustomField.active.is_(True)).order_by(CustomField.position, CustomField.id))}
    out: dict[int, dict[str, object]] = {c.id: {} for c in contacts}
    if not fields or not contacts:
        return out
    rows = db.session.scalars(db.select(CustomValue).where(CustomValue.contact_id.in_(list(out)),
                                                           CustomValue.field_id.in_(list(fields)))
                              .order_by(CustomValue.id))
    for row in rows:
        field = fields[row.field_id]
        value = custom_json(field, custom_fields._python(field, row))
        if field.type == "multi_choice":
            out[row.contact_id].setdefault(field.key, []).append(value)
        elif value is not None:
            out[row.contact_id][field.key] = value
    kinds = {c.id: c.kind for c in contacts}
    for cid, values in out.items():  # every field of the contact's kind, null when empty
        for field in fields.values():
            if kinds[cid] in (field.kinds or []):
                values.setdefault(field.key, [] if field.type == "multi_choice" else None)
    return out


def _relationships(ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return out
    R, T = Relationship, RelationshipType
    other = db.aliased(Contact)
    for side in ("a", "b"):
        mine = R.contact_a_id if side == "a" else R.contact_b_id
        theirs = R.contact_b_id if side == "a" else R.contact_a_id
        label = T.a_to_b if side == "a" else T.b_to_a
        rows = db.session.execute(
            db.select(R.id, mine, theirs, label, R.type_id, R.note, R.is_primary, other.display_name)
            .join(T, T.id == R.type_id).join(other, other.id == theirs)
            .where(mine.in_(ids), other.deleted_at.is_(None)).order_by(R.id))
        for rel_id, me, them, text, type_id, note, primary, name in rows:
            out[me].append({"id": rel_id, "type_id": type_id, "direction": f"{side}_to_{'b' if side == 'a' else 'a'}",
                            "label": text, "other_id": them, "other_name": name, "note": note or "",
                            "primary": bool(primary)})
    return out


def _members(ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    if ids:
        for member, household in db.session.execute(
                db.select(Contact.id, Contact.household_id).where(Contact.household_id.in_(ids),
                                                                  Contact.deleted_at.is_(None)).order_by(Contact.id)):
            out[household].append(member)
    return out


DETAILS = {"emails": Contact.emails, "phones": Contact.phones, "addresses": Contact.addresses, "tags": Contact.tags}


def loads_for(wanted: set[str] | None) -> list:
    """The selectin loads a page needs: all, or only the details `fields=` asked for."""
    return [selectinload(rel) for name, rel in DETAILS.items() if wanted is None or name in wanted]


def show_many(contacts: list[Contact], wanted: set[str] | None = None) -> list[dict]:
    """Each contact as the API shows it; `wanted` (sparse fields) skips the
    queries of parts nobody asked for."""
    def need(part: str) -> bool:
        return wanted is None or part in wanted

    ids = [c.id for c in contacts]
    custom = _custom_values(contacts) if need("custom_fields") else {}
    outside = external_ids.of(ids) if need("external_ids") else {}
    links = _relationships(ids) if need("relationships") or need("primary_contact_id") else {}
    members = _members([c.id for c in contacts if c.kind == HOUSEHOLD]) if need("member_ids") else {}
    out = []
    for c in contacts:
        data = show(c, custom.get(c.id, {}), outside.get(c.id, {}), links.get(c.id, []), members.get(c.id, []),
                    wanted)
        out.append(data if wanted is None else {k: v for k, v in data.items() if k in wanted})
    return out


def show_one(contact: Contact) -> dict:
    return show_many([contact])[0]


def show(contact: Contact, custom: dict, outside: dict, links: list[dict], members: list[int],
         wanted: set[str] | None = None) -> dict:
    data = {"id": contact.id, "kind": contact.kind, "display_name": contact.display_name}
    if contact.kind == PERSON:
        data.update({name: getattr(contact, name) or "" for name in PERSON_TEXT})
        data["birth_date"] = contact.birth_date.isoformat() if contact.birth_date else None
        data["household_id"] = contact.household_id
    else:
        data["name"] = contact.name or ""
    if contact.kind == HOUSEHOLD:
        data["member_ids"] = members
    if contact.kind == ORGANISATION:
        data["primary_contact_id"] = next((link["other_id"] for link in links if link["primary"]), None)
    data.update({name: getattr(contact, name) or "" for name in COMMON_TEXT})
    data["owner_id"] = contact.owner_id

    def need(part: str) -> bool:
        return wanted is None or part in wanted

    if need("emails"):
        data["emails"] = [{"email": e.email, "label": e.label or "", "primary": bool(e.is_primary)}
                          for e in contact.emails]
    if need("phones"):
        data["phones"] = [{"number": p.number, "label": p.label or "", "primary": bool(p.is_primary)}
                          for p in contact.phones]
    if need("addresses"):
        data["addresses"] = [{"label": a.label or "", "line1": a.line1 or "", "line2": a.line2 or "",
                              "city": a.city or "", "region": a.region or "", "postcode": a.postcode or "",
                              "country": a.country or "", "primary": bool(a.is_primary)} for a in contact.addresses]
    data.update({name: bool(getattr(contact, name)) for name in FLAGS})
    data["email_opt_in"] = contact.email_opt_in
    if need("tags"):
        data["tags"] = sorted((t.name for t in contact.tags), key=str.lower)
    data["custom_fields"] = custom
    data["external_ids"] = outside
    data["relationships"] = links
    data["created_at"] = contact.created_at
    data["updated_at"] = contact.updated_at
    return data


def load(contact_id: int, kind: str | None = None) -> Contact | None:
    """A live contact of `kind` with its details, or None."""
    contact = db.session.scalar(db.select(Contact).where(Contact.id == contact_id).options(*LOADS))
    if contact is None or contact.deleted_at is not None or (kind and contact.kind != kind):
        return None
    return contact

