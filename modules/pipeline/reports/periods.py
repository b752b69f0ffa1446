"""What the giving reports share: the fiscal year or date range a report
covers (from its parameters), the choices of fund and appeal, and links to
the records behind a number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import url_for
from sqlalchemy import select

from app.extensions import db
from modules.contacts.activity.timeline import local_today
from modules.contacts.models import Contact
from modules.pipeline.insight import FiscalYear, fiscal_start_month, fiscal_year
from modules.pipeline.models import Appeal, Fund

YEARS_SHOWN = 5  # year-over-year tables: the report's year and the four before it


def this_year() -> int:
    """The default `year`: the fiscal year containing today, named by the year it starts in."""
    return fiscal_year(local_today()).start.year


def year(start_year: int) -> FiscalYear:
    start = date(start_year, fiscal_start_month(), 1)
    return FiscalYear(start, start + relativedelta(years=1))


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # the day after the last (exclusive)
    label: str

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def range_text(self) -> str:
        """`2025-07-01..2026-06-30`: the contacts filters' inclusive range."""
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"


def period(values: dict) -> Period:
    """`from`/`to` when either is given (to inclusive), else the fiscal `year`."""
    fy = year(values.get("year") or this_year())
    start, to = values.get("from"), values.get("to")
    if start is None and to is None:
        return Period(fy.start, fy.end, f"fiscal year {fy.label}")
    start = start or fy.start
    end = (to + timedelta(days=1)) if to else fy.end
    if end <= start:
        end = start + timedelta(days=1)
    return Period(start, end, f"{start.isoformat()} to {(end - timedelta(days=1)).isoformat()}")


def trashed():
    """The contacts in the trash, left out of every donor count: few, so both
    databases hash them once instead of joining every donor to contacts."""
    return select(Contact.id).where(Contact.deleted_at.is_not(None))


def fund_choices() -> list[tuple[str, str]]:
    return [("", "All funds")] + [(str(i), n) for i, n in db.session.execute(
        select(Fund.id, Fund.name).order_by(Fund.position, Fund.name))]


def appeal_choices() -> list[tuple[str, str]]:
    return [("", "All appeals")] + [(str(i), n) for i, n in db.session.execute(
        select(Appeal.id, Appeal.name).order_by(Appeal.starts_on.desc(), Appeal.name).limit(500))]


def chosen_id(values: dict, key: str) -> int | None:
    text = values.get(key) or ""
    return int(text) if text.isdigit() else None


def contacts_url(*rules: str) -> str:
    """The contacts list filtered by `rules` (`KEY:OP:VALUE`, see
    modules/contacts/lists/queries.py): the records behind a donor count,
    which a user can save as a segment."""
    return url_for("contacts.index", f=list(rules))


def gifts_url(p: Period, **args) -> str:
    return url_for("pipeline.gifts", **{"from": p.start.isoformat(), "to": p.last_day.isoformat()},
                   **{k: v for k, v in args.items() if v is not None})


def percent(part: int, whole: int):
    """`part` of `whole` as a percentage with one decimal, None when `whole` is 0."""
    from decimal import ROUND_HALF_UP, Decimal

    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def inclusive(fy: FiscalYear) -> str:
    """A fiscal year as the contacts filters' inclusive range."""
    return f"{fy.start.isoformat()}..{(fy.end - timedelta(days=1)).isoformat()}"


def day_before(day: date) -> str:
    return (day - timedelta(days=1)).isoformat()


def money(amount):
    """An amount from SQL as an exact Decimal (0.00 when there was nothing)."""
    from decimal import Decimal

    return Decimal(amount or 0).quantize(Decimal("0.01"))
