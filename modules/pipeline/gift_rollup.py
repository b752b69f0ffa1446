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
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, func, insert, select, text, tuple_

from app.extensions import db
from modules.contacts import signals
from modules.pipeline.models import Gift, GiftDay

BATCH = 500  # rows per upsert: four bound values each, well under SQLite's limit


class Changes:
    """Changes to the daily totals, collected and then applied together (a
    chunk of an import, the seed) or at once (one gift)."""

    def __init__(self):
        self.by_key: dict[tuple[str, date], list] = defaultdict(lambda: [Decimal(0), 0])

    def add(self, currency: str, day: date, amount: Decimal, gifts: int = 1) -> None:
        entry = self.by_key[(currency, day)]
        entry[0] += amount
        entry[1] += gifts

    def gift(self, gift: Gift, sign: int = 1) -> Changes:
        self.add(gift.currency, gift.received_on, gift.amount * sign, sign)
        return self

    def apply(self) -> None:
        keys = sorted(k for k, (amount, gifts) in self.by_key.items() if amount or gifts)
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            _upsert([{"currency": c, "day": d, "total": self.by_key[(c, d)][0], "gifts": self.by_key[(c, d)][1]}
                     for c, d in batch])
            emptied = [key for key in batch if self.by_key[key][1] < 0]
            if emptied:  # a day may have lost its last gift
                db.session.execute(delete(GiftDay).where(tuple_(GiftDay.currency, GiftDay.day).in_(emptied),
                                                         GiftDay.gifts <= 0))
        self.by_key.clear()


def _upsert(rows: list[dict]) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(GiftDay).values(rows)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[GiftDay.currency, GiftDay.day],
        set_={"total": GiftDay.total + statement.excluded.total,
              "gifts": GiftDay.gifts + statement.excluded.gifts}))


def added(gift: Gift) -> None:
    Changes().gift(gift).apply()


def removed(gift: Gift) -> None:
    Changes().gift(gift, -1).apply()


def _sums(*conditions):
    return (select(Gift.currency, Gift.received_on, func.sum(Gift.amount), func.count(Gift.id))
            .where(*conditions).group_by(Gift.currency, Gift.received_on))


def removing(*conditions) -> None:
    """Take out the gifts matching `conditions`, before they are deleted in bulk."""
    changes = Changes()
    for currency, day, amount, gifts in db.session.execute(_sums(*conditions)):
        changes.add(currency, day, -amount, -gifts)
    changes.apply()


def recomputed() -> dict[tuple[str, date], tuple[Decimal, int]]:
    """What the table should hold, summed from the gifts."""
    return {(c, d): (amount, gifts) for c, d, amount, gifts in db.session.execute(_sums())}


def stored() -> dict[tuple[str, date], tuple[Decimal, int]]:
    return {(r.currency, r.day): (r.total, r.gifts) for r in db.session.scalars(select(GiftDay))}


def rebuild() -> int:
    """Recompute the whole table from the gifts; returns the number of days.
    On PostgreSQL the table is locked against writers first: a writer that
    already changed a total is waited for (its gifts are then counted), one
    that comes later waits and adds its change to the rebuilt total. SQLite
    has one writer at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE pipeline_gift_day IN EXCLUSIVE MODE"))
    db.session.execute(delete(GiftDay))
    db.session.execute(insert(GiftDay).from_select(["currency", "day", "total", "gifts"], _sums()))
    return db.session.scalar(select(func.count()).select_from(GiftDay))


def _purged(contact_ids, **_) -> None:
    state = current_app.extensions.get("steward")
    if contact_ids and state is not None and any(m.name == "pipeline" for m in state.enabled):
        ids = list(contact_ids)
        for start in range(0, len(ids), BATCH):
            removing(Gift.contact_id.in_(ids[start:start + BATCH]))


signals.contacts_purged.connect(_purged)
