"""The donors' years summed (pipeline_donor_year_total): per start month,
fiscal year, next year given (0: none yet) and whether it was the donors'
first year, how many donors, how many of them gave twice or more, and their
gifts and giving that year and to date. Donor retention and first-time
conversion read a year's few rows here instead of its donors; the LYBUNT
and SYBUNT reports take their totals from it.

Kept by donor_years.py: each write of a donor's years takes the old rows'
sums out and adds the new ones' (`change`), in the writer's transaction;
`rebuild()` sums the rows afresh. Contacts purged for good take their years
with them (ON DELETE CASCADE), so their sums come out first (`contacts_purged`
comes before the delete). Trashed contacts stay in the sums: the reports
take the (few) trashed donors' rows out when they read (`year_totals`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from modules.contacts import signals
from modules.contacts.models import Contact
from modules.pipeline.models import DonorYear, DonorYearTotal

KEY = ("start_month", "year", "next_year", "first")
MEASURES = ("donors", "multi", "gifts", "total", "gifts_to_date", "to_date")
CHUNK = 500  # donors per query


@dataclass
class Totals:
    """One row of sums: the donors of `year` whose next year with a gift is
    `next_year` (0: none yet), first-year donors or not."""

    year: int
    next_year: int
    first: bool
    donors: int = 0
    multi: int = 0
    gifts: int = 0
    total: Decimal = Decimal(0)
    gifts_to_date: int = 0
    to_date: Decimal = Decimal(0)


def _sums(rows: Iterable, sign: int, out: dict) -> dict:
    """Add (or take out) donor-year rows (mappings of DonorYear's fields) to `out`."""
    for row in rows:
        entry = out[(row["start_month"], row["year"], row["next_year"] or 0, bool(row["first"]))]
        for i, value in enumerate((1, int(row["gifts"] >= 2), row["gifts"], row["total"], row["gifts_to_date"],
                                   row["to_date"])):
            entry[i] += sign * value
    return out


def _new() -> dict:
    return defaultdict(lambda: [0, 0, 0, Decimal(0), 0, Decimal(0)])


def change(old_rows: Iterable, new_rows: Iterable) -> None:
    """Some donors' years were rewritten: `old_rows` out, `new_rows` in."""
    delta = _sums(new_rows, 1, _sums(old_rows, -1, _new()))
    rows = [dict(zip(KEY, key, strict=True)) | dict(zip(MEASURES, values, strict=True))
            for key, values in delta.items() if any(values)]
    if not rows:
        return
    table = DonorYearTotal.__table__
    dialect_insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY),
                                      set_={m: table.c[m] + stmt.excluded[m] for m in MEASURES})
    db.session.execute(stmt, rows)


def _grouped():
    next_year = func.coalesce(DonorYear.next_year, 0)
    return (select(DonorYear.start_month, DonorYear.year, next_year, DonorYear.first, func.count(),
                   func.sum(case((DonorYear.gifts >= 2, 1), else_=0)), func.sum(DonorYear.gifts),
                   func.sum(DonorYear.total), func.sum(DonorYear.gifts_to_date), func.sum(DonorYear.to_date))
            .group_by(DonorYear.start_month, DonorYear.year, next_year, DonorYear.first))


def rebuild() -> None:
    """Sum pipeline_donor_year afresh (after donor_years.rebuild)."""
    db.session.execute(delete(DonorYearTotal))
    db.session.execute(insert(DonorYearTotal).from_select([*KEY, *MEASURES], _grouped()))


def recomputed() -> set[tuple]:
    return {(m, y, n, bool(f), *values) for m, y, n, f, *values in db.session.execute(_grouped())}


def stored() -> set[tuple]:
    columns = [DonorYearTotal.__table__.c[c] for c in (*KEY, *MEASURES)]
    return {(m, y, n, bool(f), *values) for m, y, n, f, *values in db.session.execute(
        select(*columns).where(DonorYearTotal.donors != 0))}


def year_totals(start_month: int) -> list[Totals]:
    """Every row of sums for the start month (a few per fiscal year), with
    the trashed contacts' years taken out: the reports filter them."""
    sums = _new()
    columns = [DonorYearTotal.__table__.c[c] for c in (*KEY, *MEASURES)]
    for m, y, n, f, *values in db.session.execute(select(*columns).where(DonorYearTotal.start_month == start_month)):
        sums[(m, y, n, bool(f))] = list(values)
    trashed = select(DonorYear.__table__).where(DonorYear.start_month == start_month, DonorYear.contact_id.in_(
        select(Contact.id).where(Contact.deleted_at.is_not(None))))
    _sums(db.session.execute(trashed).mappings(), -1, sums)
    return [Totals(y, n, f, *values) for (_, y, n, f), values in sorted(sums.items()) if values[0]]


def forget(contact_ids: Iterable[int]) -> None:
    """These contacts' years leave the sums (they are being purged)."""
    ids = sorted(set(contact_ids) - {None})
    for start in range(0, len(ids), CHUNK):
        change(db.session.execute(select(DonorYear.__table__).where(
            DonorYear.contact_id.in_(ids[start:start + CHUNK]))).mappings().all(), [])


def _purged(contact_ids, **_) -> None:
    from flask import current_app

    state = current_app.extensions.get("steward")
    if contact_ids and state is not None and any(m.name == "pipeline" for m in state.enabled):
        forget(contact_ids)


signals.contacts_purged.connect(_purged)
