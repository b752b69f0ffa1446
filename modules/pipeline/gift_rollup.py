"""Daily gift totals (pipeline_gift_day): per day and currency, the sum and
number of gifts, which the dashboard chart reads instead of the gifts.

The gift service keeps it in step in the writer's own transaction: recording,
editing (amount, date or currency) and deleting a gift (gifts.py), a gift
import and its undo (gift_import/run.py), the demo seed, and contacts purged
for good (their gifts go by ON DELETE CASCADE; the `contacts_purged` signal
comes first). Merging, trashing, restoring and erasing contacts keep every
gift's amount, day and currency, so they leave it alone.

Each write adds a change per (currency, day) with one upsert (INSERT ... ON
CONFLICT DO UPDATE, on SQLite and PostgreSQL), so two transactions adding
gifts on the same day both count; a day whose last gift goes loses its row.
`rebuild()` (flask pipeline rebuild-rollup) recomputes the table from the
gifts, and `recomputed()` says what it should hold.

The same changes also go, per fund and appeal, to pipeline_gift_fund_day
(0 stands for "no fund" / "no appeal"), which the standard giving reports
read (giving by fund, appeal and month). A fund or appeal is deleted only
when no gift uses it, so its rows never outlive it. Editing only a gift's
fund or appeal moves its amount between rows and leaves the daily total.
And to pipeline_gift_amount_day, the number of gifts of each amount per day
and currency, which the average and median gift read instead of sorting a
year of gifts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, func, insert, select, text, tuple_

from app.extensions import db
from modules.contacts import signals
from modules.pipeline.models import Gift, GiftAmountDay, GiftDay, GiftFundDay

BATCH = 500  # rows per upsert: six bound values at most, well under SQLite's limit


class Changes:
    """Changes to the daily totals, collected and then applied together (a
    chunk of an import, the seed) or at once (one gift). Each change counts
    in both tables: per (currency, day), and per (currency, day, fund, appeal)."""

    def __init__(self):
        self.by_key: dict[tuple[str, date, int, int], list] = defaultdict(lambda: [Decimal(0), 0])
        self.by_amount: dict[tuple[str, date, Decimal], int] = defaultdict(int)  # gifts of each amount
        self.donors: set[int] = set()  # whose years donor_years recomputes on apply()

    def add(self, currency: str, day: date, amount: Decimal, gifts: int = 1,
            fund_id: int | None = None, appeal_id: int | None = None, contact_id: int | None = None) -> None:
        """One gift of `amount` (`gifts` 1), or one taken out (`gifts` -1, `amount` negative)."""
        entry = self.by_key[(currency, day, fund_id or 0, appeal_id or 0)]
        entry[0] += amount
        entry[1] += gifts
        self.by_amount[(currency, day, amount / gifts)] += gifts
        if contact_id is not None:
            self.donors.add(contact_id)

    def gift(self, gift: Gift, sign: int = 1) -> Changes:
        self.add(gift.currency, gift.received_on, gift.amount * sign, sign, gift.fund_id, gift.appeal_id,
                 gift.contact_id)
        return self

    def apply(self) -> None:
        days: dict[tuple[str, date], list] = defaultdict(lambda: [Decimal(0), 0])
        for (currency, day, _fund, _appeal), (amount, gifts) in self.by_key.items():
            days[(currency, day)][0] += amount
            days[(currency, day)][1] += gifts
        _apply(GiftDay, ("currency", "day"), days)
        _apply(GiftFundDay, ("currency", "day", "fund_id", "appeal_id"), self.by_key)
        _apply_amounts(self.by_amount)
        self.by_key.clear()
        self.by_amount.clear()
        if self.donors:
            from modules.pipeline import donor_years  # imports insight, which imports the gift service

            donor_years.refresh(self.donors)
            self.donors.clear()


def _apply(model, key_names: tuple[str, ...], changes: dict) -> None:
    keys = sorted(k for k, (amount, gifts) in changes.items() if amount or gifts)
    columns = [getattr(model, name) for name in key_names]
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        _upsert(model, columns, [{**dict(zip(key_names, key, strict=True)), "total": changes[key][0],
                                  "gifts": changes[key][1]} for key in batch])
        emptied = [key for key in batch if changes[key][1] < 0]
        if emptied:  # a day may have lost its last gift
            db.session.execute(delete(model).where(tuple_(*columns).in_(emptied), model.gifts <= 0))


def _apply_amounts(changes: dict) -> None:
    keys = sorted(k for k, gifts in changes.items() if gifts)
    table = GiftAmountDay.__table__
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        statement = _dialect_insert()(table).values([{"currency": c, "day": d, "amount": a, "gifts": changes[(c, d, a)]}
                                                      for c, d, a in batch])
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.currency, table.c.day, table.c.amount],
            set_={"gifts": table.c.gifts + statement.excluded.gifts}))
        emptied = [key for key in batch if changes[key] < 0]
        if emptied:  # an amount may have lost its last gift that day
            db.session.execute(delete(GiftAmountDay).where(
                tuple_(table.c.currency, table.c.day, table.c.amount).in_(emptied), GiftAmountDay.gifts <= 0))


def _dialect_insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _upsert(model, key_columns, rows: list[dict]) -> None:
    statement = _dialect_insert()(model).values(rows)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=key_columns,
        set_={"total": model.total + statement.excluded.total,
              "gifts": model.gifts + statement.excluded.gifts}))


def added(gift: Gift) -> None:
    Changes().gift(gift).apply()


def removed(gift: Gift) -> None:
    """Before `gift` is deleted; the deleter refreshes the donor's years after (donor_years.refresh)."""
    changes = Changes().gift(gift, -1)
    changes.donors.clear()
    changes.apply()


def _sums(*conditions):
    return (select(Gift.currency, Gift.received_on, func.sum(Gift.amount), func.count(Gift.id))
            .where(*conditions).group_by(Gift.currency, Gift.received_on))


def _fund_sums(*conditions):
    fund, appeal = func.coalesce(Gift.fund_id, 0), func.coalesce(Gift.appeal_id, 0)
    return (select(Gift.currency, Gift.received_on, fund, appeal, func.sum(Gift.amount), func.count(Gift.id))
            .where(*conditions).group_by(Gift.currency, Gift.received_on, fund, appeal))


def removing(*conditions) -> None:
    """Take out the gifts matching `conditions`, before they are deleted in bulk
    (the deleter then refreshes their donors' years: donor_years.refresh)."""
    changes = Changes()
    for currency, day, fund_id, appeal_id, amount, gifts in db.session.execute(_fund_sums(*conditions)):
        entry = changes.by_key[(currency, day, fund_id, appeal_id)]
        entry[0] -= amount
        entry[1] -= gifts
    for currency, day, amount, gifts in db.session.execute(_amount_counts(*conditions)):
        changes.by_amount[(currency, day, amount)] -= gifts
    changes.apply()


def _amount_counts(*conditions):
    return (select(Gift.currency, Gift.received_on, Gift.amount, func.count(Gift.id))
            .where(*conditions).group_by(Gift.currency, Gift.received_on, Gift.amount))


def amounts_recomputed() -> dict[tuple[str, date, Decimal], int]:
    """What pipeline_gift_amount_day should hold, counted from the gifts."""
    return {(c, d, a): n for c, d, a, n in db.session.execute(_amount_counts())}


def amounts_stored() -> dict[tuple[str, date, Decimal], int]:
    return {(r.currency, r.day, r.amount): r.gifts for r in db.session.scalars(select(GiftAmountDay))}


def recomputed() -> dict[tuple[str, date], tuple[Decimal, int]]:
    """What the table should hold, summed from the gifts."""
    return {(c, d): (amount, gifts) for c, d, amount, gifts in db.session.execute(_sums())}


def stored() -> dict[tuple[str, date], tuple[Decimal, int]]:
    return {(r.currency, r.day): (r.total, r.gifts) for r in db.session.scalars(select(GiftDay))}


def fund_days_recomputed() -> dict[tuple[str, date, int, int], tuple[Decimal, int]]:
    """What pipeline_gift_fund_day should hold, summed from the gifts."""
    return {(c, d, f, a): (amount, gifts) for c, d, f, a, amount, gifts in db.session.execute(_fund_sums())}


def fund_days_stored() -> dict[tuple[str, date, int, int], tuple[Decimal, int]]:
    return {(r.currency, r.day, r.fund_id, r.appeal_id): (r.total, r.gifts)
            for r in db.session.scalars(select(GiftFundDay))}


def in_step() -> bool:
    """Both tables equal a full recomputation (`flask reports rebuild` checks after rebuilding)."""
    return (stored() == recomputed() and fund_days_stored() == fund_days_recomputed()
            and amounts_stored() == amounts_recomputed())


def rebuild() -> int:
    """Recompute the whole table from the gifts; returns the number of days.
    On PostgreSQL the table is locked against writers first: a writer that
    already changed a total is waited for (its gifts are then counted), one
    that comes later waits and adds its change to the rebuilt total. SQLite
    has one writer at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE pipeline_gift_day, pipeline_gift_fund_day, pipeline_gift_amount_day "
                                "IN EXCLUSIVE MODE"))
    db.session.execute(delete(GiftDay))
    db.session.execute(insert(GiftDay).from_select(["currency", "day", "total", "gifts"], _sums()))
    db.session.execute(delete(GiftFundDay))
    db.session.execute(insert(GiftFundDay).from_select(
        ["currency", "day", "fund_id", "appeal_id", "total", "gifts"], _fund_sums()))
    db.session.execute(delete(GiftAmountDay))
    db.session.execute(insert(GiftAmountDay).from_select(["currency", "day", "amount", "gifts"], _amount_counts()))
    return db.session.scalar(select(func.count()).select_from(GiftDay))


def rebuild_fund_days() -> int:
    """`rebuild()`, counted in rows of the per-fund table (for `flask reports rebuild`)."""
    rebuild()
    return db.session.scalar(select(func.count()).select_from(GiftFundDay))


def _purged(contact_ids, **_) -> None:
    state = current_app.extensions.get("steward")
    if contact_ids and state is not None and any(m.name == "pipeline" for m in state.enabled):
        ids = list(contact_ids)
        for start in range(0, len(ids), BATCH):
            removing(Gift.contact_id.in_(ids[start:start + BATCH]))


signals.contacts_purged.connect(_purged)
