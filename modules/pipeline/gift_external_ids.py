"""Ids of gifts in other systems (`{"stripe": "pi_..."}`): set, read and
looked up, as contacts' are (modules/contacts/people/external_ids.py, whose
naming rule this reuses): an id in one system names one gift."""

from __future__ import annotations

from app import audit
from app.extensions import db
from modules.contacts.people.external_ids import MAX_VALUE, SYSTEM
from modules.pipeline.models import Gift, GiftExternalId


def of(gift_ids: list[int]) -> dict[int, dict[str, str]]:
    """`{gift id: {system: value}}` for these gifts (one query)."""
    out: dict[int, dict[str, str]] = {gid: {} for gid in gift_ids}
    if gift_ids:
        rows = db.session.execute(db.select(GiftExternalId.gift_id, GiftExternalId.system, GiftExternalId.value)
                                  .where(GiftExternalId.gift_id.in_(gift_ids)).order_by(GiftExternalId.system))
        for gid, system, value in rows:
            out[gid][system] = value
    return out


def problems(wanted: dict, gift_id: int | None = None) -> dict[str, list[str]]:
    """What is wrong with `wanted` (`{system: value or None}`), by system."""
    found: dict[str, list[str]] = {}
    for system, value in wanted.items():
        if not SYSTEM.fullmatch(str(system)):
            found[str(system)] = ["A system's name is 1 to 40 lower-case letters, digits, _ or -."]
        elif value is not None and (not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE):
            found[system] = [f"An id is text of 1 to {MAX_VALUE} characters (null removes it)."]
        elif value is not None:
            holder = holder_of(system, value.strip())
            if holder is not None and holder != gift_id:
                found[system] = [f"Gift #{holder} already has the {system} id {value.strip()}."]
    return found


def holder_of(system: str, value: str) -> int | None:
    return db.session.scalar(db.select(GiftExternalId.gift_id).where(GiftExternalId.system == system,
                                                                     GiftExternalId.value == value))


def find(system: str, value: str) -> Gift | None:
    return db.session.scalar(db.select(Gift).join(GiftExternalId, GiftExternalId.gift_id == Gift.id).where(
        GiftExternalId.system == system, GiftExternalId.value == value))


def update(gift: Gift, wanted: dict, *, user=None) -> dict:
    """Set the systems in `wanted` (None removes one; others stay). Check
    with `problems` first. Returns and audits `{"external_ids": (old, new)}`."""
    rows = {row.system: row for row in db.session.scalars(
        db.select(GiftExternalId).where(GiftExternalId.gift_id == gift.id))}
    before = {s: r.value for s, r in rows.items()}
    for system, value in wanted.items():
        value = value.strip() if isinstance(value, str) else None
        row = rows.get(system)
        if value is None and row is not None:
            db.session.delete(row)
        elif value is not None and row is None:
            db.session.add(GiftExternalId(gift_id=gift.id, system=system, value=value))
        elif value is not None:
            row.value = value
    db.session.flush()
    after = of([gift.id])[gift.id]
    if after == before:
        return {}
    changes = {"external_ids": (before, after)}
    audit.record(audit.UPDATE, gift, user=user, summary=f"Gift #{gift.id}: ids in other systems", changes=changes)
    return changes
