"""Ids of contacts in other systems (`{"stripe": "cus_..."}`): set, read,
and looked up. A system name is lower-case letters, digits, `_` and `-`; an
id in one system names one contact (a unique index says so too)."""

from __future__ import annotations

import re

from app import audit
from app.extensions import db
from modules.contacts.models import Contact, ExternalId

SYSTEM = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_VALUE = 200


def of(contact_ids: list[int]) -> dict[int, dict[str, str]]:
    """`{contact id: {system: value}}` for these contacts (one query)."""
    out: dict[int, dict[str, str]] = {cid: {} for cid in contact_ids}
    if contact_ids:
        rows = db.session.execute(db.select(ExternalId.contact_id, ExternalId.system, ExternalId.value)
                                  .where(ExternalId.contact_id.in_(contact_ids)).order_by(ExternalId.system))
        for cid, system, value in rows:
            out[cid][system] = value
    return out


def problems(wanted: dict, contact_id: int | None = None) -> dict[str, list[str]]:
    """What is wrong with `wanted` (`{system: value or None}`), by system:
    a bad name, a value too long, an id another contact holds."""
    found: dict[str, list[str]] = {}
    for system, value in wanted.items():
        if not SYSTEM.fullmatch(str(system)):
            found[str(system)] = ["A system's name is 1 to 40 lower-case letters, digits, _ or -."]
        elif value is not None and (not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE):
            found[system] = [f"An id is text of 1 to {MAX_VALUE} characters (null removes it)."]
        elif value is not None:
            holder = holder_of(system, value.strip())
            if holder is not None and holder != contact_id:
                found[system] = [f"Contact #{holder} already has the {system} id {value.strip()}."]
    return found


def holder_of(system: str, value: str) -> int | None:
    return db.session.scalar(db.select(ExternalId.contact_id).where(ExternalId.system == system,
                                                                    ExternalId.value == value))


def find(system: str, value: str) -> Contact | None:
    """The live contact with this id in `system`."""
    return db.session.scalar(db.select(Contact).join(ExternalId, ExternalId.contact_id == Contact.id).where(
        ExternalId.system == system, ExternalId.value == value, Contact.deleted_at.is_(None)))


def update(contact: Contact, wanted: dict, *, user=None) -> dict:
    """Set the systems in `wanted` (None removes one; systems not named stay).
    Check with `problems` first. Returns and audits `{"external_ids": (old, new)}`."""
    rows = {row.system: row for row in db.session.scalars(
        db.select(ExternalId).where(ExternalId.contact_id == contact.id))}
    before = {s: r.value for s, r in rows.items()}
    for system, value in wanted.items():
        value = value.strip() if isinstance(value, str) else None
        row = rows.get(system)
        if value is None and row is not None:
            db.session.delete(row)
        elif value is not None and row is None:
            db.session.add(ExternalId(contact_id=contact.id, system=system, value=value))
        elif value is not None:
            row.value = value
    db.session.flush()
    after = of([contact.id])[contact.id]
    if after == before:
        return {}
    changes = {"external_ids": (before, after)}
    audit.record(audit.UPDATE, contact, user=user, summary=f"Edited {contact.display_name}: ids in other systems",
                 changes=changes)
    return changes
