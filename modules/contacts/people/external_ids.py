"""Ids of contacts in other systems (`{"stripe": "cus_..."}`): set, read,
and looked up. A system name is lower-case letters, digits, `_` and `-`; an
id in one system names one contact (a unique index says so too).

`Ids` does the work for any record with such a table, so gifts
(modules/pipeline/gift_external_ids.py) use the same code."""

from __future__ import annotations

import re

from app import audit
from app.extensions import db
from modules.contacts.models import Contact, ExternalId

SYSTEM = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_VALUE = 200


class Ids:
    """The external ids of one kind of record: `model` is its id table with
    `system`, `value` and the owner's id in the column `owner`."""

    def __init__(self, model, owner: str, noun: str):
        self.model, self.owner, self.noun = model, getattr(model, owner), noun
        self.owner_name = owner

    def of(self, ids: list[int]) -> dict[int, dict[str, str]]:
        """`{record id: {system: value}}` for these records (one query)."""
        out: dict[int, dict[str, str]] = {i: {} for i in ids}
        if ids:
            rows = db.session.execute(db.select(self.owner, self.model.system, self.model.value)
                                      .where(self.owner.in_(ids)).order_by(self.model.system))
            for owner_id, system, value in rows:
                out[owner_id][system] = value
        return out

    def problems(self, wanted: dict, owner_id: int | None = None) -> dict[str, list[str]]:
        """What is wrong with `wanted` (`{system: value or None}`), by system:
        a bad name, a value too long, an id another record holds."""
        found: dict[str, list[str]] = {}
        for system, value in wanted.items():
            if not SYSTEM.fullmatch(str(system)):
                found[str(system)] = ["A system's name is 1 to 40 lower-case letters, digits, _ or -."]
            elif value is not None and (not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE):
                found[system] = [f"An id is text of 1 to {MAX_VALUE} characters (null removes it)."]
            elif value is not None:
                holder = self.holder_of(system, value.strip())
                if holder is not None and holder != owner_id:
                    found[system] = [f"{self.noun} #{holder} already has the {system} id {value.strip()}."]
        return found

    def holder_of(self, system: str, value: str) -> int | None:
        return db.session.scalar(db.select(self.owner).where(self.model.system == system,
                                                             self.model.value == value))

    def update(self, record, wanted: dict, summary: str, *, user=None) -> dict:
        """Set the systems in `wanted` (None removes one; systems not named stay).
        Check with `problems` first. Returns and audits `{"external_ids": (old, new)}`."""
        rows = {row.system: row for row in db.session.scalars(
            db.select(self.model).where(self.owner == record.id))}
        before = {s: r.value for s, r in rows.items()}
        for system, value in wanted.items():
            value = value.strip() if isinstance(value, str) else None
            row = rows.get(system)
            if value is None and row is not None:
                db.session.delete(row)
            elif value is not None and row is None:
                db.session.add(self.model(**{self.owner_name: record.id}, system=system, value=value))
            elif value is not None:
                row.value = value
        db.session.flush()
        after = self.of([record.id])[record.id]
        if after == before:
            return {}
        changes = {"external_ids": (before, after)}
        audit.record(audit.UPDATE, record, user=user, summary=summary, changes=changes)
        return changes


CONTACTS = Ids(ExternalId, "contact_id", "Contact")
of, problems, holder_of = CONTACTS.of, CONTACTS.problems, CONTACTS.holder_of


def find(system: str, value: str) -> Contact | None:
    """The live contact with this id in `system`."""
    return db.session.scalar(db.select(Contact).join(ExternalId, ExternalId.contact_id == Contact.id).where(
        ExternalId.system == system, ExternalId.value == value, Contact.deleted_at.is_(None)))


def update(contact: Contact, wanted: dict, *, user=None) -> dict:
    return CONTACTS.update(contact, wanted, f"Edited {contact.display_name}: ids in other systems", user=user)
