"""The feed as iCalendar (RFC 5545), with the icalendar library: one
all-day event per item, stable UIDs so calendar apps update rather than
duplicate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from icalendar import Calendar, Event

from app.models.base import utcnow
from app.registry import CalendarItem


def render(items: Iterable[CalendarItem], *, name: str, domain: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Steward//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = utcnow()
    for item in items:
        event = Event()
        event.add("uid", f"{item.uid}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.title)
        if item.detail:
            event.add("description", item.detail)
        if item.url:
            event.add("url", item.url)
        event.add("transp", "TRANSPARENT")  # reminders, not busy time
        cal.add_component(event)
    return cal.to_ical()
