"""Donor retention year over year, and first-time donor conversion, as the
Fundraising Effectiveness Project (FEP) defines them:

- retention rate for year Y = donors of Y-1 who gave again in Y / donors of Y-1;
- new donor retention: the same over Y-1's *new* donors (their first gift
  ever fell in Y-1);
- repeat donor retention: the same over Y-1's *repeat* donors (they gave in
  Y-1 and in some year before it).

New and repeat donors of Y-1 together are all of Y-1's donors. The sector's
medians (FEP, recent years) are shown beside: about 41% overall, 27% for
new donors and 70% for repeat donors.

First-time donor conversion: of the donors whose first gift fell in a year,
how many gave a second gift by the end of the next fiscal year.

A donor is a contact with a gift they paid (soft credits never make one),
in any currency; trashed contacts are left out. The figures are sums of
the donors' years (donor_year_totals.py: a few rows per year); before that
rollup is built, one query over a year's donors (the index (received_on,
contact_id)) with, per donor, a probe of the index (contact_id, received_on)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import case, func, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.pipeline import donor_year_totals, donor_years
from modules.pipeline.insight import FiscalYear, fiscal_start_month
from modules.pipeline.models import Gift
from modules.pipeline.reports import periods

MEDIANS = {"overall": Decimal("41"), "new": Decimal("27"), "repeat": Decimal("70")}


def _exists(contact_id, start=None, end=None):
    conditions = [Gift.contact_id == contact_id]
    if start is not None:
        conditions.append(Gift.received_on >= start)
    if end is not None:
        conditions.append(Gift.received_on < end)
    return select(Gift.id).where(*conditions).exists()


def _year_donors(fy: FiscalYear):
    """The live contacts with a gift in `fy`, one row each."""
    gave = select(Gift.contact_id).where(Gift.received_on >= fy.start, Gift.received_on < fy.end,
                                         Gift.contact_id.not_in(periods.trashed())).distinct().subquery()
    return select(gave.c.contact_id).subquery()


def _year(year: int) -> list[donor_year_totals.Totals]:
    """The sums of fiscal `year`'s donors (live contacts), by next year given and first year or not."""
    return [t for t in donor_year_totals.year_totals(fiscal_start_month()) if t.year == year]


def figures(fy: FiscalYear) -> dict[str, tuple[int, int]]:
    """For year `fy`: {"overall"|"new"|"repeat": (last year's donors, of whom gave again)}.
    From the donors' years when that rollup is built for this fiscal year
    (one row per donor of last year), else from the gifts: two index probes
    per donor of last year (gave again, gave before)."""
    last = fy.previous()
    if donor_years.valid():
        rows, again = _year(last.start.year), last.start.year + 1
        total = sum(t.donors for t in rows)
        retained = sum(t.donors for t in rows if t.next_year == again)
        repeat = sum(t.donors for t in rows if not t.first)
        repeat_retained = sum(t.donors for t in rows if not t.first and t.next_year == again)
        return {"overall": (total, retained), "new": (total - repeat, retained - repeat_retained),
                "repeat": (repeat, repeat_retained)}
    donors = _year_donors(last)
    cid = donors.c.contact_id
    flags = select(case((_exists(cid, fy.start, fy.end), 1), else_=0).label("again"),
                   case((_exists(cid, None, last.start), 1), else_=0).label("before")).select_from(donors).subquery()
    row = db.session.execute(select(
        func.count(), func.coalesce(func.sum(flags.c.again), 0), func.coalesce(func.sum(flags.c.before), 0),
        func.coalesce(func.sum(flags.c.again * flags.c.before), 0))).one()
    total, retained, repeat, repeat_retained = (int(v) for v in row)
    return {"overall": (total, retained), "new": (total - repeat, retained - repeat_retained),
            "repeat": (repeat, repeat_retained)}


def retention(values: dict) -> list[Table]:
    fy = periods.year(values["year"])
    last = fy.previous()
    found = figures(fy)
    last_range, this_range = periods.inclusive(last), periods.inclusive(fy)
    before = f"..{periods.day_before(last.start)}"
    kinds = {"overall": ("All donors", []), "new": ("New donors", [f"gave:not_between:{before}"]),
             "repeat": ("Repeat donors", [f"gave:between:{before}"])}
    rows, drill = [], []
    for key, (label, rules) in kinds.items():
        donors, retained = found[key]
        rows.append((label, donors, retained, periods.percent(retained, donors), MEDIANS[key]))
        drill.append(periods.contacts_url(f"gave:between:{last_range}", *rules, f"gave:between:{this_range}"))
    summary = Result([Column("donors", "Donors"), Column("last_year", f"Donors in {last.label}", "number"),
                      Column("again", f"Gave again in {fy.label}", "number"),
                      Column("rate", "Retention rate", "percent"),
                      Column("median", "Sector median (FEP)", "percent")], rows, drill)
    summary.notes.append("New donors gave for the first time in the earlier year; repeat donors had given "
                         "before it too. The sector medians are the Fundraising Effectiveness Project's.")

    history, history_drill = [], []
    start = values["year"] - periods.YEARS_SHOWN + 1
    for year_start in range(start, values["year"] + 1):
        each = periods.year(year_start)
        got = found if year_start == values["year"] else figures(each)
        history.append((each.label, *(periods.percent(got[k][1], got[k][0]) for k in ("overall", "new", "repeat")),
                        got["overall"][0]))
        history_drill.append(periods.contacts_url(f"gave:between:{periods.inclusive(each.previous())}"))
    trend = Result([Column("year", "Fiscal year"), Column("overall", "All donors", "percent"),
                    Column("new", "New donors", "percent"), Column("repeat", "Repeat donors", "percent"),
                    Column("base", "Donors the year before", "number")], history, history_drill)
    return [Table(f"Donor retention, {last.label} to {fy.label}", summary,
                  ChartSpec("bar", "donors", ("rate", "median")), drill_column="again"),
            Table("Retention rate year over year", trend, ChartSpec("line", "year", ("overall", "new", "repeat")),
                  drill_column="base")]


def conversion(values: dict) -> list[Table]:
    """Per cohort year: the new donors, and how many gave a second gift by the end of the next year."""
    rows, drill = [], []
    start = values["year"] - periods.YEARS_SHOWN + 1
    for year_start in range(start, values["year"] + 1):
        fy = periods.year(year_start)
        horizon = fy.end.replace(year=fy.end.year + 1)
        if donor_years.valid():  # first years, and a second gift that year or a gift the next
            firsts = [t for t in _year(year_start) if t.first]
            new = sum(t.donors for t in firsts)
            converted = sum(t.donors if t.next_year == year_start + 1 else t.multi for t in firsts)
            rows.append((fy.label, new, converted, periods.percent(converted, new)))
            drill.append(periods.contacts_url(f"gave:between:{periods.inclusive(fy)}",
                                              f"gave:not_between:..{periods.day_before(fy.start)}"))
            continue
        donors = _year_donors(fy)
        cohort = select(donors.c.contact_id).where(~_exists(donors.c.contact_id, None, fy.start)).subquery()
        second = (select(func.count(Gift.id)).where(Gift.contact_id == cohort.c.contact_id,
                                                    Gift.received_on < horizon)
                  .correlate(cohort).scalar_subquery())
        new, converted = db.session.execute(select(
            func.count(), func.coalesce(func.sum(case((second >= 2, 1), else_=0)), 0)).select_from(cohort)).one()
        rows.append((fy.label, int(new), int(converted), periods.percent(int(converted), int(new))))
        drill.append(periods.contacts_url(f"gave:between:{periods.inclusive(fy)}",
                                          f"gave:not_between:..{periods.day_before(fy.start)}"))
    result = Result([Column("year", "First gift in"), Column("new", "New donors", "number"),
                     Column("converted", "Gave a second gift by the end of the next year", "number"),
                     Column("rate", "Conversion rate", "percent")], rows, drill)
    result.notes.append("A first-time donor converts when a second gift follows, in the same fiscal year or "
                        "the next. The latest years are still open: their donors may yet give again.")
    return [Table("First-time donor conversion", result, ChartSpec("bar", "year", ("rate",)), drill_column="new")]
