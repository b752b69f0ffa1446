"""Donors per fiscal year (pipeline_donor_year), which donor retention and
first-time conversion count instead of probing every donor's gifts.

A row per (fiscal year, donor) with a gift the donor paid, in any currency:
how many gifts, whether it was their first year of giving (`first`),
whether they gave again the next year (`again`), the next year they gave
(`next_year`), and what they gave that year and up to it in the
organisation's currency (`total`, `to_date`; `gifts_to_date` counts gifts
in any currency). Whether a row says so
depends on the donor's other years, so a write recomputes all of one
donor's rows from their gifts (the index (contact_id, received_on)): the
gift service calls `refresh` for the donors it touched, in the writer's
transaction, through gift_rollup.Changes (record, edit, delete, import and
its undo, the seed) and after a merge moves gifts. Purged contacts take
their rows with them (ON DELETE CASCADE); trash and restore change no gift.

Their sums per year (donor_year_totals.py) change with them, in the same
write.

Fiscal years count from the start month in pipeline_donor_year_state,
amounts are in its currency. When either setting differs (it was changed),
`valid()` is False, writes leave
the table alone and the reports read the gifts, until `rebuild()` (`flask
reports rebuild`) builds it for the new month. A table that has never been
built starts by itself while there are no gifts besides those being
written (a new install, the demo seed); otherwise `rebuild()` starts it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import delete, func, select

from app.extensions import db
from modules.pipeline import donor_year_totals
from modules.pipeline.gifts import default_currency
from modules.pipeline.insight import fiscal_start_month
from modules.pipeline.models import DonorYear, DonorYearState, Gift

CHUNK = 500  # donors per query


def _state() -> DonorYearState | None:
    return db.session.get(DonorYearState, 1)


def valid() -> bool:
    state = _state()
    return state is not None and (state.start_month, state.currency) == (fiscal_start_month(), default_currency())


def _rows(contact_ids: list[int], month: int, currency: str) -> list[dict]:
    """What the table should hold for these donors."""
    years: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    for contact_id, day, gift_currency, amount in db.session.execute(
            select(Gift.contact_id, Gift.received_on, Gift.currency, Gift.amount)
            .where(Gift.contact_id.in_(contact_ids))):
        entry = years[contact_id][day.year if day.month >= month else day.year - 1]
        entry[0] += 1
        if gift_currency == currency:
            entry[1] += amount
    out = []
    for contact_id, by_year in years.items():
        ordered = sorted(by_year)
        to_date, gifts_to_date = Decimal(0), 0
        for i, year in enumerate(ordered):
            gifts, total = by_year[year]
            to_date += total
            gifts_to_date += gifts
            following = ordered[i + 1] if i + 1 < len(ordered) else None
            out.append({"start_month": month, "year": year, "contact_id": contact_id, "gifts": gifts,
                        "first": i == 0, "again": following == year + 1, "next_year": following,
                        "total": total, "to_date": to_date, "gifts_to_date": gifts_to_date})
    return out


def _write(contact_ids: list[int], month: int, totals: bool = True) -> None:
    """Rewrite these donors' rows, and (`totals`) their sums in donor_year_totals."""
    currency = default_currency()
    for start in range(0, len(contact_ids), CHUNK):
        ids = contact_ids[start:start + CHUNK]
        old = db.session.execute(select(DonorYear.__table__).where(DonorYear.contact_id.in_(ids))).mappings().all() \
            if totals else []
        db.session.execute(delete(DonorYear).where(DonorYear.contact_id.in_(ids)))
        rows = _rows(ids, month, currency)
        if rows:
            db.session.execute(DonorYear.__table__.insert(), rows)
        if totals:
            donor_year_totals.change(old, rows)


def refresh(contact_ids: Iterable[int]) -> None:
    """Recompute the rows of these donors (their gifts were written)."""
    ids = sorted(set(contact_ids) - {None})
    if not ids:
        return
    month = fiscal_start_month()
    state = _state()
    if state is None:
        if db.session.scalar(select(Gift.id).where(Gift.contact_id.not_in(ids)).limit(1)) is not None:
            return  # gifts from before the table: `rebuild()` starts it
        db.session.add(DonorYearState(id=1, start_month=month, currency=default_currency()))
        db.session.flush()
    elif not valid():
        return
    _write(ids, month)


FIELDS = ("start_month", "year", "contact_id", "gifts", "first", "again", "next_year", "total", "to_date",
          "gifts_to_date")


def recomputed() -> set[tuple]:
    month, currency = fiscal_start_month(), default_currency()
    donors = list(db.session.scalars(select(Gift.contact_id).distinct()))
    out = set()
    for start in range(0, len(donors), CHUNK):
        out |= {tuple(r[f] for f in FIELDS) for r in _rows(donors[start:start + CHUNK], month, currency)}
    return out


def stored() -> set[tuple]:
    return {tuple(getattr(r, f) for f in FIELDS) for r in db.session.scalars(select(DonorYear))}


def in_step() -> bool:
    return valid() and stored() == recomputed() and donor_year_totals.stored() == donor_year_totals.recomputed()


def rebuild() -> int:
    """Build the table for the current fiscal-year start month; returns its rows."""
    month = fiscal_start_month()
    db.session.execute(delete(DonorYear))
    state = _state()
    if state is None:
        db.session.add(DonorYearState(id=1, start_month=month, currency=default_currency()))
    else:
        state.start_month, state.currency = month, default_currency()
    db.session.flush()
    _write(list(db.session.scalars(select(Gift.contact_id).distinct().order_by(Gift.contact_id))), month,
           totals=False)
    donor_year_totals.rebuild()
    return db.session.scalar(select(func.count()).select_from(DonorYear))
