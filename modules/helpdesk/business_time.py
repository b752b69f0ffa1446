"""Business time: the pure arithmetic SLAs are counted in.

A `Calendar` is working hours per weekday in a time zone, and a test for
holidays. Two functions answer everything the SLAs ask:

- `add(calendar, instant, minutes)`: the instant `minutes` business minutes
  after `instant` (a first-response target of 4 hours from Friday 16:00 is
  Monday 12:00 with 9-17 hours);
- `minutes_between(calendar, start, end)`: business minutes from start to end
  (how long a ticket waited on the customer, to move its target on).

Instants are timezone-aware (UTC in and out). Working hours are local wall
clock minutes after midnight, `(opens, closes)`; `closes <= opens` is an
overnight shift that ends the next morning and belongs to the day it starts
(a holiday on that day cancels the whole shift). Each local day's windows are
turned into real instants through the zone, so the day the clocks change
counts the hours that really pass: a 00:00-24:00 day is 23 hours in spring
and 25 in autumn; a wall-clock time that does not exist (01:30 on the spring
change) is read with the offset before the change, as zoneinfo does.

Nothing here reads the database: calendar.py builds a Calendar from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = 24 * 60
HORIZON_DAYS = 3 * 366  # a calendar with no working time at all fails instead of looping


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    # weekday (Monday 0) -> [(opens, closes)] in minutes after local midnight
    hours: Mapping[int, Sequence[tuple[int, int]]]
    is_holiday: Callable[[date], bool] = field(default=lambda day: False)


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Wall-clock `minute` after midnight of `day` (1440 is the next midnight) as UTC."""
    extra, minute = divmod(minute, DAY)
    moment = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60), tzinfo=zone)
    return moment.astimezone(UTC)


def _day_windows(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    """The windows of the shifts that start on local `day`, as UTC instants."""
    if calendar.is_holiday(day):
        return []
    out = []
    for opens, closes in calendar.hours.get(day.weekday(), ()):
        end = closes if closes > opens else closes + DAY  # overnight (or 24 hours when equal)
        start_at, end_at = _local(day, opens, calendar.zone), _local(day, end, calendar.zone)
        if end_at > start_at:
            out.append((start_at, end_at))
    return out


def windows(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Business windows that end after `start`, in time order, clipped to begin at `start` at the earliest."""
    _aware(start)
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)  # yesterday's overnight shift may still run
    for _ in range(HORIZON_DAYS):
        for begin, end in sorted(_day_windows(calendar, day)):
            if end > start:
                yield max(begin, start), end
        day += timedelta(days=1)
    raise ValueError("The working-hours calendar has no working time in the next three years.")


def add(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The instant `minutes` business minutes after `start` (UTC)."""
    left = timedelta(minutes=minutes)
    if left <= timedelta(0):
        return _next_open(calendar, start) if left == timedelta(0) else start
    last_end = None
    for begin, end in windows(calendar, start):
        if last_end is not None and begin < last_end:  # overlapping shifts count once
            begin = last_end
            if begin >= end:
                continue
        span = end - begin
        if span >= left:
            return (begin + left).astimezone(UTC)
        left -= span
        last_end = end
    raise AssertionError("unreachable")  # windows() raises first


def _next_open(calendar: Calendar, start: datetime) -> datetime:
    for begin, _ in windows(calendar, start):
        return begin.astimezone(UTC)
    raise AssertionError("unreachable")


def minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Business minutes from `start` to `end` (0 when end is not after start)."""
    _aware(end)
    if end <= start:
        return 0.0
    total = timedelta(0)
    last_end = None
    for begin, stop in windows(calendar, start):
        if begin >= end:
            break
        if last_end is not None and begin < last_end:
            begin = last_end
        stop = min(stop, end)
        if stop > begin:
            total += stop - begin
            last_end = stop
    return total.total_seconds() / 60


def _aware(instant: datetime) -> None:
    if instant.tzinfo is None:
        raise ValueError("business time needs timezone-aware instants")


def parse_hours(text: str) -> tuple[int, int]:
    """"09:00-17:30" -> (540, 1050); "22:00-06:00" is overnight; "00:00-24:00" all day."""
    try:
        opens, closes = (part.strip() for part in text.split("-", 1))
        return _minute(opens), _minute(closes)
    except (ValueError, AttributeError) as error:
        raise ValueError(f"Write the hours as 09:00-17:00, not “{text}”.") from error


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value <= DAY):
        raise ValueError(text)
    return value


def format_hours(opens: int, closes: int) -> str:
    return f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"
