"""Pipeline & giving's webhook events: what each payload holds
(docs/webhooks.md). Called inside the transaction of the change, from the
module's signals. Amounts are decimal strings with two places, never floats."""

from __future__ import annotations

from decimal import Decimal

from app.webhooks import Occurrence
from modules.pipeline.money import CENT


def _money(amount) -> str:
    """Two decimal places, as stored, whatever the caller assigned ("25.5" -> "25.50")."""
    return str(Decimal(amount or 0).quantize(CENT))


def _iso(value):
    return value.isoformat() if value is not None else None


def gift_data(gift) -> dict:
    return {"id": gift.id, "contact_id": gift.contact_id, "object": "gift", "amount": _money(gift.amount),
            "currency": gift.currency, "received_on": _iso(gift.received_on), "fund_id": gift.fund_id,
            "appeal_id": gift.appeal_id, "pledge_id": gift.pledge_id, "payment_method": gift.payment_method,
            "reference": gift.reference, "anonymous": bool(gift.anonymous), "in_kind": bool(gift.in_kind)}


def gift_recorded(gift, **_):
    return [Occurrence(gift.id, gift_data(gift), gift.contact_id)]


def gift_refunded(gift, amount=None, full=False, **_):
    """`amount` is what was refunded now; a gift refunded in full is then
    deleted, so `data` is the gift as it was."""
    data = {**gift_data(gift), "refunded_amount": _money(amount), "refunded_in_full": bool(full)}
    return [Occurrence(gift.id, data, gift.contact_id)]


def _stage(stage) -> dict | None:
    if stage is None:
        return None
    return {"id": stage.id, "name": stage.name, "outcome": stage.outcome}


def stage_changed(opportunity, previous=None, stage=None, **_):
    data = {"id": opportunity.id, "contact_id": opportunity.contact_id, "object": "opportunity",
            "name": opportunity.name, "pipeline_id": opportunity.pipeline_id, "amount": _money(opportunity.amount),
            "currency": opportunity.currency, "expected_close": _iso(opportunity.expected_close),
            "from_stage": _stage(previous), "to_stage": _stage(stage)}
    return [Occurrence(opportunity.id, data, opportunity.contact_id)]
