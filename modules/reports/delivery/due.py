"""When a report schedule is next due.

Weekly: on the chosen weekday. Monthly: on the chosen day of the month
(1-28, so every month has it). Quarterly: on the first working day of the
quarter, skipping weekends and the public holidays of the organisation's
country (the `holidays` package). Every run is at SEND_HOUR on the
organisation's clock (Admin → Organisation → time zone): a school in
Auckland gets its Monday report on Monday morning there, summer time or not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from app import countries, settings

SEND_HOUR = 7
FREQUENCIES = {"weekly": "Every week", "monthly": "Every month",
               "quarterly": "First working day of each quarter"}


def country_holidays(country: str | None = None):
    """A dict-like of date -> name, or {} without a (known) country."""
    return countries.public_holidays(country if country is not None else settings.get("core", "country") or "")


def first_working_day(year: int, month: int, holidays) -> date:
    day = date(year, month, 1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def quarter_starts(year: int):
    return [(year, m) for m in (1, 4, 7, 10)]


def next_due(frequency: str, after: datetime, *, weekday: int = 0, day: int = 1, holidays=None,
             zone: tzinfo | None = None) -> datetime:
    """The first run time strictly after `after` (an aware datetime), in UTC.
    `zone`: the organisation's time zone unless given."""
    if zone is None:
        from app.dates import org_zone

        zone = org_zone()

    def _at(day: date) -> datetime:
        return datetime.combine(day, time(SEND_HOUR), tzinfo=zone).astimezone(UTC)

    after = after.astimezone(zone)
    if frequency == "weekly":
        start = after.date()
        for i in range(8):
            candidate = start + timedelta(days=i)
            if candidate.weekday() == weekday and _at(candidate) > after:
                return _at(candidate)
    if frequency == "monthly":
        year, month = after.year, after.month
        for _ in range(3):
            candidate = _at(date(year, month, day))
            if candidate > after:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if frequency == "quarterly":
        holidays = country_holidays() if holidays is None else holidays
        for year in (after.year, after.year + 1):
            for y, m in quarter_starts(year):
                candidate = _at(first_working_day(y, m, holidays))
                if candidate > after:
                    return candidate
    raise ValueError(f"Unknown schedule frequency {frequency!r}")
