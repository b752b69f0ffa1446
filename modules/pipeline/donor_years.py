"""Donors per fiscal year (pipeline_donor_year), which donor retention and
first-time conversion count instead of probing every donor's gifts.

A row per (fiscal year, donor) with a gift the donor paid, in any currency:
how many gifts, whether it was their first year of giving (`first`) and
whether they gave again the next year (`again`). Whether a row says so
depends on the donor's other years, so a write recomputes all of one
donor's rows from their gifts (the index (contact_id, received_on)): the
gift service calls `refresh` for the donors it touched, in the writer's
transaction, through gift_rollup.Changes (record, edit, delete, import and
its undo, the seed) and after a merge moves gifts. Purged contacts take
their rows with them (ON DELETE CASCADE); trash and restore change no gift.

Fiscal years count from the start month in pipeline_donor_year_state.
When the setting differs (it was changed), `valid()` is False, writes leave
the table alone and the reports read the gifts, until `rebuild()` (`flask
reports rebuild`) builds it for the new month. A table that has never been
built starts by itself while there are no gifts besides those being
written (a new install, the demo seed); otherwise `rebuild()` starts it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, func, select

from app.extensions import db
from modules.pipeline.insight import fiscal_start_month
from modules.pipeline.models import DonorYear, DonorYearState, Gift

CHUNK = 500  # donors per query


def _state() -> DonorYearState | None:
    return db.session.get(DonorYearState, 1)


def valid() -> bool:
    state = _state()
    return state is not None and state.start_month == fiscal_start_month()


def _rows(contact_ids: list[int], month: int) -> list[dict]:
    """What the table should hold for these donors."""
    years: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for contact_id, day in db.session.execute(
            select(Gift.contact_id, Gift.received_on).where(Gift.contact_id.in_(contact_ids))):
        years[contact_id][day.year if day.month >= month else day.year - 1] += 1
    out = []
    for contact_id, counts in years.items():
        first = min(counts)
        for year, gifts in counts.items():
            out.append({"start_month": month, "year": year, "contact_id": contact_id, "gifts": gifts,
                        "first": year == first, "again": (year + 1) in counts})
    return out


def _write(contact_ids: list[int], month: int) -> None:
    for start in range(0, len(contact_ids), CHUNK):
        ids = contact_ids[start:start + CHUNK]
        db.session.execute(delete(DonorYear).where(DonorYear.contact_id.in_(ids)))
        rows = _rows(ids, month)
        if rows:
            db.session.execute(DonorYear.__table__.insert(), rows)


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
        db.session.add(DonorYearState(id=1, start_month=month))
        db.session.flush()
    elif state.start_month != month:
        return
    _write(ids, month)


def recomputed() -> set[tuple]:
    month = fiscal_start_month()
    donors = list(db.session.scalars(select(Gift.contact_id).distinct()))
    out = set()
    for start in range(0, len(donors), CHUNK):
        out |= {tuple(r.values()) for r in _rows(donors[start:start + CHUNK], month)}
    return out


def stored() -> set[tuple]:
    return {(r.start_month, r.year, r.contact_id, r.gifts, r.first, r.again)
            for r in db.session.scalars(select(DonorYear))}


def in_step() -> bool:
    return valid() and stored() == recomputed()


def rebuild() -> int:
    """Build the table for the current fiscal-year start month; returns its rows."""
    month = fiscal_start_month()
    db.session.execute(delete(DonorYear))
    state = _state()
    if state is None:
        db.session.add(DonorYearState(id=1, start_month=month))
    else:
        state.start_month = month
    db.session.flush()
    _write(list(db.session.scalars(select(Gift.contact_id).distinct().order_by(Gift.contact_id))), month)
    return db.session.scalar(select(func.count()).select_from(DonorYear))
