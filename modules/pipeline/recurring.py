"""Recurring gifts: what was expected against what was received.

Expected due dates run from `starts_on`, one `frequency` apart, up to
min(today, ends_on). Each received gift (with `recurring_id`) belongs to the
latest period due on or before its date plus the grace period, so a payment
a few days early or late still counts for its period; a period whose grace
has passed with no gift is missed. The list page needs only each recurring
gift's last received date (one GROUP BY), see `last_received`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app import audit
from app.extensions import db
from modules.pipeline.gifts import STEP
from modules.pipeline.models import Gift, RecurringGift
from modules.pipeline.money import format_money

GRACE_DAYS = 7
MAX_PERIODS = 1200  # a century of monthly gifts
STATUSES = {"active": "Active", "paused": "Paused", "ended": "Ended"}


def expected_dates(starts_on: date, frequency: str, until: date) -> list[date]:
    """Due dates from `starts_on` up to and including `until`."""
    out = []
    step = STEP[frequency]
    for i in range(MAX_PERIODS):
        due = starts_on + step * i
        if due > until:
            break
        out.append(due)
    return out


@dataclass
class Period:
    due_on: date
    gifts: list = field(default_factory=list)
    state: str = "missed"  # received, missed, waiting (within the grace period)

    @property
    def received(self) -> Decimal:
        return sum((g.amount for g in self.gifts), Decimal("0.00"))


@dataclass
class Standing:
    periods: list[Period]
    expected: Decimal
    received: Decimal
    missed: int
    unmatched: list  # gifts dated before the first due date (less the grace)

    @property
    def missed_last(self) -> bool:
        """The most recent period past its grace has no gift."""
        settled = [p for p in self.periods if p.state != "waiting"]
        return bool(settled) and settled[-1].state == "missed"


def standing(rg: RecurringGift, today: date, gifts: list[Gift] | None = None,
             grace_days: int = GRACE_DAYS) -> Standing:
    """Periods expected so far, each with the gifts received for it."""
    grace = timedelta(days=grace_days)
    until = min(today, rg.ends_on) if rg.ends_on else today
    periods = [Period(d) for d in expected_dates(rg.starts_on, rg.frequency, until)]
    if gifts is None:
        gifts = db.session.scalars(select(Gift).where(Gift.recurring_id == rg.id)
                                   .order_by(Gift.received_on, Gift.id)).all()
    dues = [p.due_on for p in periods]
    unmatched = []
    for gift in gifts:
        index = bisect_right(dues, gift.received_on + grace) - 1
        if index < 0:
            unmatched.append(gift)
        else:
            periods[index].gifts.append(gift)
    for period in periods:
        if period.gifts:
            period.state = "received"
        elif period.due_on + grace >= today:
            period.state = "waiting"
    expected = rg.amount * len(periods)
    received = sum((g.amount for g in gifts), Decimal("0.00"))
    return Standing(periods, expected, received, sum(1 for p in periods if p.state == "missed"), unmatched)


def last_received(ids: list[int]) -> dict[int, date]:
    """`{recurring id: date of its latest gift}` in one GROUP BY."""
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Gift.recurring_id, func.max(Gift.received_on))
        .where(Gift.recurring_id.in_(ids)).group_by(Gift.recurring_id)).all())


def missed_last(rg: RecurringGift, last: date | None, today: date, grace_days: int = GRACE_DAYS) -> bool:
    """The list's flag from the last received date alone: the latest due date
    whose grace has passed got no gift on or after (due - grace)."""
    if rg.status != "active":
        return False
    grace = timedelta(days=grace_days)
    cutoff = today - grace - timedelta(days=1)
    if rg.ends_on and rg.ends_on < cutoff:
        cutoff = rg.ends_on
    dues = expected_dates(rg.starts_on, rg.frequency, cutoff)
    if not dues:
        return False
    return last is None or last < dues[-1] - grace


def set_status(rg: RecurringGift, status: str, today: date, *, user=None) -> dict:
    """Pause, resume or end; ending sets the last due date to today unless earlier."""
    values = {"status": status}
    if status == "ended" and (rg.ends_on is None or rg.ends_on > today):
        values["ends_on"] = today
    changes = audit.diff(rg, values)
    if changes:
        verb = {"paused": "Paused", "active": "Resumed", "ended": "Ended"}[status]
        audit.record(audit.UPDATE, rg, user=user, changes=changes,
                     summary=f"{verb} recurring gift {format_money(rg.amount, rg.currency)}")
    return changes


def create(*, contact_id: int, user=None, **values) -> RecurringGift:
    from modules.pipeline.gifts import default_currency

    values["currency"] = (values.get("currency") or default_currency()).upper()
    rg = RecurringGift(contact_id=contact_id, **values)
    if user is not None:
        rg.created_by_id = user.id
    db.session.add(rg)
    db.session.flush()
    audit.record(audit.CREATE, rg, user=user,
                 summary=f"Recurring gift {format_money(rg.amount, rg.currency)} {rg.frequency} "
                         f"from {rg.starts_on.isoformat()}")
    return rg


def update(rg: RecurringGift, values: dict, *, user=None) -> dict:
    if "currency" in values:
        values["currency"] = (values["currency"] or rg.currency).upper()
    changes = audit.diff(rg, values)
    if changes:
        audit.record(audit.UPDATE, rg, user=user, changes=changes,
                     summary=f"Recurring gift {format_money(rg.amount, rg.currency)} {rg.frequency}")
    return changes
