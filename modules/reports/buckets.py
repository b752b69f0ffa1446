"""Date buckets as SQL, for SQLite and PostgreSQL: each bucket is the first
day of its period as a date, so buckets sort, compare and label the same
way on both. Weeks start on Monday (ISO). A fiscal year is named by the day
it starts (1 July 2024 for 2024–25 when the year starts in July)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, Integer, cast, func, literal_column, type_coerce
from sqlalchemy.sql import ColumnElement

_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def bucket(column, bucket: str, dialect: str, fiscal_start: int = 1) -> ColumnElement:
    """The SQL expression of `column`'s bucket (its first day)."""
    if dialect == "postgresql":
        day = cast(column, Date)
        if bucket == "day":
            return day
        if bucket == "fiscal":
            shift = literal_column(f"interval '{int(fiscal_start) - 1} months'")
            return cast(func.date_trunc("year", day - shift) + shift, Date)
        return cast(func.date_trunc(bucket, day), Date)
    # SQLite keeps dates as 'YYYY-MM-DD' text and date-times as 'YYYY-MM-DD HH:MM:SS...'
    if bucket == "day":
        expr = func.date(column)
    elif bucket == "week":
        expr = func.date(column, "weekday 0", "-6 days")
    elif bucket == "month":
        expr = func.date(column, "start of month")
    elif bucket == "quarter":
        month = cast(func.strftime("%m", column), Integer)
        expr = func.date(column, "start of month", func.printf("-%d months", (month - 1) % 3))
    elif bucket == "year":
        expr = func.date(column, "start of year")
    else:  # fiscal
        back = int(fiscal_start) - 1
        expr = func.date(column, "start of month", f"-{back} months", "start of year", f"+{back} months")
    return type_coerce(expr, Date())


def as_date(value) -> date | None:
    """A bucket value as read back (a date, or SQLite's text)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def end_of(start: date, bucket: str) -> date:
    """The last day of the bucket that starts on `start` (inclusive)."""
    step = {"day": relativedelta(days=1), "week": relativedelta(weeks=1), "month": relativedelta(months=1),
            "quarter": relativedelta(months=3), "year": relativedelta(years=1),
            "fiscal": relativedelta(years=1)}[bucket]
    return start + step - timedelta(days=1)


def label(start: date | None, bucket: str) -> str:
    if start is None:
        return "(none)"
    if bucket == "day":
        return f"{start.day} {_MONTHS[start.month]} {start.year}"
    if bucket == "week":
        return f"Week of {start.day} {_MONTHS[start.month]} {start.year}"
    if bucket == "month":
        return f"{_MONTHS[start.month]} {start.year}"
    if bucket == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if bucket == "year":
        return str(start.year)
    last = end_of(start, "fiscal")
    return str(start.year) if start.year == last.year else f"FY {start.year}–{str(last.year)[-2:]}"
