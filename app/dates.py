"""Dates in the organisation's timezone."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape

from app import settings


def org_zone() -> ZoneInfo:
    try:
        return ZoneInfo(settings.get("core", "timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_start(day: date) -> datetime:
    """Midnight of `day` in the organisation's timezone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=org_zone())


def when(value: datetime | None, empty: str = "—") -> Markup:
    """A <time> element showing `value` in the organisation's timezone."""
    if value is None:
        return escape(empty)
    local = value.astimezone(org_zone())
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(), local.strftime("%d %b %Y %H:%M ") + (local.tzname() or ""))


def duration_words(seconds: float) -> str:
    """A wait in plain words, rounded up: "45 seconds", "2 minutes", "1 hour"."""
    seconds = max(1, math.ceil(seconds))
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        number, unit = seconds, "second"
    elif minutes % 60:
        number, unit = minutes, "minute"
    else:
        number, unit = minutes // 60, "hour"
    return f"{number} {unit}{'' if number == 1 else 's'}"
