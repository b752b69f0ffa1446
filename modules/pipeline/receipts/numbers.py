"""Receipt numbers: each gift's thank-you letter (its receipt) carries a
number "2026-000042", sequential within the calendar year the gift was
received (the year a tax authority counts the gift in: Canada's CRA and
Ireland's Revenue both want receipts numbered in sequence and never
reused). A gift gets its number the first time a thank-you letter is
produced for it, and keeps it: every copy (a reprint, an email sent again)
shows the same number. Previews of a template number nothing.

How it stays gapless and unique with concurrent batches:

- one counter row per year (`ReceiptCounter`), locked while numbers are
  taken: `SELECT ... FOR UPDATE` on PostgreSQL, the database's one write
  lock on SQLite (the first write of the transaction takes it);
- after the lock, the gifts still without a number are read again (another
  run may have numbered them while this one waited), so a gift is numbered
  once, and the unique (gift_id) and (year, number) constraints refuse
  anything else;
- the counter moves in the same transaction as the numbers it gave: a
  rollback gives them all back, so no number is skipped.

A number is never freed: deleting the gift leaves its `ReceiptNumber` row
with no gift (ON DELETE SET NULL), and the counter never goes down.
Callers commit soon after `assign` (the lock is held until then): the web
views and each chunk of a batch run commit before rendering any PDF.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from modules.pipeline.models import Gift, ReceiptCounter, ReceiptNumber


def _missing(gift_ids: list[int]) -> dict[int, list[int]]:
    """{year: [gift ids]} of the gifts among `gift_ids` with no number yet."""
    rows = db.session.execute(
        select(Gift.id, Gift.received_on).outerjoin(ReceiptNumber, ReceiptNumber.gift_id == Gift.id)
        .where(Gift.id.in_(gift_ids), ReceiptNumber.id.is_(None)).order_by(Gift.received_on, Gift.id))
    out: dict[int, list[int]] = defaultdict(list)
    for gift_id, received_on in rows:
        out[received_on.year].append(gift_id)
    return out


def _lock_counter(year: int) -> int:
    """Make sure the year's counter exists, lock it; its last number."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(ReceiptCounter).values(year=year, last=0).on_conflict_do_nothing(
        index_elements=["year"]))
    query = select(ReceiptCounter.last).where(ReceiptCounter.year == year)
    if dialect == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def assign(gift_ids: list[int]) -> int:
    """Give each gift in `gift_ids` that has none its receipt number, in the
    order received (then by gift number); returns how many were given. The
    caller commits (and so lets go of the year's counter)."""
    ids = sorted(set(gift_ids))
    if not ids or not _missing(ids):
        return 0
    given = 0
    for year in sorted(_missing(ids)):  # years in order: two runs never wait on each other's years
        last = _lock_counter(year)
        waiting = _missing(ids).get(year, [])  # again, under the lock
        if not waiting:
            continue
        db.session.execute(ReceiptNumber.__table__.insert(), [
            {"year": year, "number": last + offset, "gift_id": gift_id}
            for offset, gift_id in enumerate(waiting, start=1)])
        db.session.execute(update(ReceiptCounter).where(ReceiptCounter.year == year)
                           .values(last=last + len(waiting)))
        given += len(waiting)
    db.session.expire_all()  # gifts loaded before see their number
    return given


def number_of(gift: Gift) -> str:
    """The gift's receipt number as printed, or ""."""
    found = db.session.scalar(select(ReceiptNumber).where(ReceiptNumber.gift_id == gift.id))
    return found.text if found is not None else ""
