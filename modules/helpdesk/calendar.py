"""The organisation's business-hours calendar, from the database: working
hours per weekday (helpdesk_hours; Monday to Friday 09:00-17:00 until an
admin sets them), public holidays of the organisation's country from the
`holidays` package, the days the admin added or imported from an iCalendar
file (helpdesk_holiday), in the organisation's time zone (core settings)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import countries, settings
from app.dates import org_zone
from app.extensions import db
from modules.helpdesk.automation_models import BusinessHours, Holiday
from modules.helpdesk.business_time import Calendar

DEFAULT_HOURS = {day: [(9 * 60, 17 * 60)] for day in range(5)}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ICAL_MAX_BYTES = 1024 * 1024
ICAL_MAX_DAYS = 2000


def hours() -> dict[int, list[tuple[int, int]]]:
    rows = db.session.execute(select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes)
                              .order_by(BusinessHours.weekday, BusinessHours.opens)).all()
    if not rows:
        return {day: list(spans) for day, spans in DEFAULT_HOURS.items()}
    out: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in rows:
        out.setdefault(weekday, []).append((opens, closes))
    return out


def country_holidays():
    """The country's public holidays (a dict-like of date -> name), or {} when
    no country is set or the package does not know it."""
    return countries.public_holidays(settings.get("core", "country") or "")


def current() -> Calendar:
    own = set(db.session.scalars(select(Holiday.day)))
    public = country_holidays()

    def is_holiday(day: date) -> bool:
        return day in own or day in public

    return Calendar(org_zone(), hours(), is_holiday)


def upcoming(days: int = 120) -> list[tuple[date, str, str]]:
    """(day, name, where from) for the holidays of the next `days` days."""
    today = datetime.now(org_zone()).date()
    end = today + timedelta(days=days)
    own = {h.day: (h.name, "imported" if h.source == "imported" else "added")
           for h in db.session.scalars(select(Holiday).where(Holiday.day >= today, Holiday.day <= end))}
    public = country_holidays()
    found = dict(own)
    day = today
    while day <= end:
        if day in public and day not in found:
            found[day] = (public.get(day), "public holiday")
        day += timedelta(days=1)
    return [(d, *found[d]) for d in sorted(found)]


def import_ical(data: bytes) -> tuple[int, int]:
    """Add the days of the events of an iCalendar file as holidays: (added,
    already there). ValueError in words for a file that is not one."""
    import icalendar

    if len(data) > ICAL_MAX_BYTES:
        raise ValueError("The file is larger than 1 MB.")
    try:
        parsed = icalendar.Calendar.from_ical(data)
    except ValueError as error:
        raise ValueError("This is not an iCalendar (.ics) file.") from error
    known = set(db.session.scalars(select(Holiday.day)))
    added = seen = 0
    for event in parsed.walk("VEVENT"):
        start = event.decoded("DTSTART", None)
        if start is None:
            continue
        end = event.decoded("DTEND", None)
        first = start.date() if isinstance(start, datetime) else start
        if end is None:
            last = first
        elif isinstance(end, datetime):
            last = end.date()
        else:
            last = end - timedelta(days=1)  # an all-day event's DTEND is the day after
        name = str(event.get("SUMMARY", ""))[:200]
        day = first
        while day <= max(first, last) and added + seen < ICAL_MAX_DAYS:
            if day in known:
                seen += 1
            else:
                db.session.add(Holiday(day=day, name=name, source="imported"))
                known.add(day)
                added += 1
            day += timedelta(days=1)
    return added, seen
