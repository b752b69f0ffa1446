"""Recording gifts and pledges: the one way in, used by the gift form, the
board's "won" step, the gift import and the seed.

Callers validate what the user typed (money.parse_amount, the forms); these
functions check the relations between records (a pledge payment belongs to
the pledge's donor, a soft credit is not the donor) and raise `GiftError`
with a message for the user, keep the daily gift totals (gift_rollup) in
step, write the audit entry, and leave the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import func

from app import audit, settings
from app.extensions import db
from modules.pipeline import gift_rollup, signals
from modules.pipeline.models import FREQUENCIES, Gift, Pledge, PledgeInstallment, SoftCredit
from modules.pipeline.money import CENT, format_money

STEP = {"monthly": relativedelta(months=1), "quarterly": relativedelta(months=3),
        "yearly": relativedelta(years=1)}


class GiftError(ValueError):
    """What is wrong, in words for the person who entered it; `field` names
    the form field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def default_currency() -> str:
    return (settings.get("core", "currency") or "USD").upper()


def record_gift(*, contact_id: int, amount: Decimal, received_on: date, currency: str | None = None,
                soft_credits: Iterable[tuple[int, Decimal, str]] = (), user=None,
                rollup: gift_rollup.Changes | None = None, **fields) -> Gift:
    """Add a gift (and its soft credits: `(contact_id, amount, role)`).
    `fields` are other Gift columns (fund_id, appeal_id, tribute_kind, ...).
    A bulk caller passes `rollup` and applies it itself (per chunk)."""
    gift = Gift(contact_id=contact_id, amount=amount, received_on=received_on,
                currency=(currency or default_currency()).upper(), **fields)
    if user is not None:
        gift.created_by_id = user.id
    if gift.in_kind and not gift.in_kind_description.strip():
        raise GiftError("Describe what was given in kind.", "in_kind_description")
    if gift.tribute_kind and not gift.tribute_name.strip():
        raise GiftError("Name the person the tribute is for.", "tribute_name")
    pledge = db.session.get(Pledge, gift.pledge_id) if gift.pledge_id else None
    if pledge is not None and pledge.contact_id != contact_id:
        raise GiftError("That pledge belongs to another donor.", "pledge_id")
    set_soft_credits(gift, soft_credits)
    db.session.add(gift)
    db.session.flush()
    if rollup is None:
        gift_rollup.added(gift)
    else:
        rollup.gift(gift)
    if pledge is not None:
        refresh_pledge_status(pledge)
    audit.record(audit.CREATE, gift, user=user,
                 summary=f"Gift {format_money(gift.amount, gift.currency)} on {gift.received_on.isoformat()}")
    signals.gift_recorded.send(gift, user=user)
    return gift


def set_soft_credits(gift: Gift, credits: Iterable[tuple[int, Decimal, str]]) -> None:
    """Replace the gift's soft credits, checking each against the gift."""
    wanted = []
    seen = set()
    for contact_id, amount, role in credits:
        if contact_id == gift.contact_id:
            raise GiftError("The donor cannot also be soft-credited for their own gift.", "soft_credits")
        if contact_id in seen:
            raise GiftError("Each person can be soft-credited once per gift.", "soft_credits")
        if amount is None or amount <= 0 or amount > gift.amount:
            raise GiftError("A soft credit is more than zero and at most the gift's amount.", "soft_credits")
        seen.add(contact_id)
        wanted.append(SoftCredit(contact_id=contact_id, amount=amount, role=role or "other"))
    gift.soft_credits = wanted


def installment_schedule(total: Decimal, count: int, first_due: date, frequency: str) -> list[tuple[date, Decimal]]:
    """`count` installments `frequency` apart that add up to `total` exactly:
    equal parts rounded down to the cent, the remainder on the last one."""
    if frequency not in FREQUENCIES:
        raise GiftError("Choose how often the installments fall due.", "frequency")
    if count < 1:
        raise GiftError("A pledge has at least one installment.", "installments")
    part = (total / count).quantize(CENT, rounding="ROUND_DOWN")
    if part <= 0:
        raise GiftError("That is more installments than the amount allows.", "installments")
    amounts = [part] * (count - 1) + [total - part * (count - 1)]
    return [(first_due + STEP[frequency] * i, amount) for i, amount in enumerate(amounts)]


def record_pledge(*, contact_id: int, amount: Decimal, pledged_on: date,
                  schedule: list[tuple[date, Decimal]], currency: str | None = None, user=None,
                  **fields) -> Pledge:
    """Add a pledge with its installments (see `installment_schedule`)."""
    if sum((a for _, a in schedule), Decimal(0)) != amount:
        raise GiftError("The installments must add up to the pledged amount.", "installments")
    pledge = Pledge(contact_id=contact_id, amount=amount, pledged_on=pledged_on,
                    currency=(currency or default_currency()).upper(), **fields)
    if user is not None:
        pledge.created_by_id = user.id
    pledge.installments = [PledgeInstallment(due_on=due, amount=a) for due, a in schedule]
    db.session.add(pledge)
    db.session.flush()
    audit.record(audit.CREATE, pledge, user=user,
                 summary=f"Pledge {format_money(amount, pledge.currency)} in {len(schedule)} installment(s)")
    return pledge


def pledge_paid(pledge_id: int) -> Decimal:
    return db.session.scalar(
        db.select(func.coalesce(func.sum(Gift.amount), 0)).where(Gift.pledge_id == pledge_id)) or Decimal("0.00")


def refresh_pledge_status(pledge: Pledge) -> None:
    """Open until the payments reach the amount; cancelled stays cancelled."""
    if pledge.status == "cancelled":
        return
    pledge.status = "fulfilled" if pledge_paid(pledge.id) >= pledge.amount else "open"


def update_gift(gift: Gift, values: dict, soft_credits: Iterable[tuple[int, Decimal, str]] | None = None,
                *, user=None) -> dict:
    """Apply `values` (Gift columns) and, when given, replace the soft
    credits; audit the diff. Returns `{field: (old, new)}`."""
    old_pledge_id = gift.pledge_id
    rollup = gift_rollup.Changes().gift(gift, -1)
    before_credits = sorted((c.contact_id, c.amount, c.role) for c in gift.soft_credits)
    changes = audit.diff(gift, values)
    if "currency" in changes:
        gift.currency = (gift.currency or default_currency()).upper()
    if gift.in_kind and not (gift.in_kind_description or "").strip():
        raise GiftError("Describe what was given in kind.", "in_kind_description")
    if gift.tribute_kind and not (gift.tribute_name or "").strip():
        raise GiftError("Name the person the tribute is for.", "tribute_name")
    pledge = db.session.get(Pledge, gift.pledge_id) if gift.pledge_id else None
    if pledge is not None and pledge.contact_id != gift.contact_id:
        raise GiftError("That pledge belongs to another donor.", "pledge_id")
    if soft_credits is not None:
        credits = list(soft_credits)
        after = sorted((cid, amount, role or "other") for cid, amount, role in credits)
        if after != before_credits:
            # Old rows go first: a credit kept for the same person would
            # otherwise meet the unique (gift, contact) constraint.
            gift.soft_credits = []
            db.session.flush()
            set_soft_credits(gift, credits)
            changes["soft_credits"] = (_credit_text(before_credits), _credit_text(after))
    for credit in gift.soft_credits:
        if credit.contact_id == gift.contact_id:
            raise GiftError("The donor cannot also be soft-credited for their own gift.", "soft_credits")
        if credit.amount > gift.amount:
            raise GiftError("A soft credit is more than zero and at most the gift's amount.", "soft_credits")
    db.session.flush()
    rollup.gift(gift).apply()  # nothing to write unless the amount, day or currency changed
    for pledge_id in {old_pledge_id, gift.pledge_id} - {None}:
        other = db.session.get(Pledge, pledge_id)
        if other is not None:
            refresh_pledge_status(other)
    if changes:
        audit.record(audit.UPDATE, gift, user=user, changes=changes,
                     summary=f"Gift {format_money(gift.amount, gift.currency)} on {gift.received_on.isoformat()}")
    return changes


def _credit_text(credits) -> str:
    return ", ".join(f"#{cid} {amount} ({role})" for cid, amount, role in credits)


def delete_gift(gift: Gift, *, user=None) -> None:
    """Remove a gift (its soft credits and acknowledgements go with it)."""
    pledge_id, donor_id = gift.pledge_id, gift.contact_id
    gift_rollup.removed(gift)
    audit.record(audit.DELETE, gift, user=user,
                 summary=f"Deleted gift {format_money(gift.amount, gift.currency)} on "
                         f"{gift.received_on.isoformat()}")
    db.session.delete(gift)
    db.session.flush()
    from modules.pipeline import donor_years  # imports insight, which imports this module

    donor_years.refresh([donor_id])
    db.session.flush()
    pledge = db.session.get(Pledge, pledge_id) if pledge_id else None
    if pledge is not None:
        refresh_pledge_status(pledge)
