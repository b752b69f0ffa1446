"""Ids of gifts in other systems (`{"stripe": "pi_..."}`): set, read and
looked up, as contacts' are (modules/contacts/people/external_ids.py, whose
naming rule this reuses): an id in one system names one gift."""

from __future__ import annotations

from app.extensions import db
from modules.contacts.people.external_ids import Ids
from modules.pipeline.models import Gift, GiftExternalId

GIFTS = Ids(GiftExternalId, "gift_id", "Gift")
of, problems, holder_of = GIFTS.of, GIFTS.problems, GIFTS.holder_of


def find(system: str, value: str) -> Gift | None:
    return db.session.scalar(db.select(Gift).join(GiftExternalId, GiftExternalId.gift_id == Gift.id).where(
        GiftExternalId.system == system, GiftExternalId.value == value))


def update(gift: Gift, wanted: dict, *, user=None) -> dict:
    return GIFTS.update(gift, wanted, f"Gift #{gift.id}: ids in other systems", user=user)
