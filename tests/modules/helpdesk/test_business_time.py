"""The business-time function SLAs are counted in, as a table: weekends,
holidays, the clock changes in Europe/London, overnight shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from modules.helpdesk.business_time import Calendar, add, format_hours, minutes_between, parse_hours

LONDON = ZoneInfo("Europe/London")
NINE_TO_FIVE = {d: [(9 * 60, 17 * 60)] for d in range(5)}
HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 28)}
OFFICE = Calendar(LONDON, NINE_TO_FIVE, lambda day: day in HOLIDAYS)
ALL_DAY = Calendar(LONDON, {d: [(0, 24 * 60)] for d in range(7)})
NIGHTS = Calendar(LONDON, {d: [(22 * 60, 6 * 60)] for d in range(5)})  # Mon-Fri 22:00-06:00


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def london(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(("calendar", "start", "minutes", "due"), [
    # inside the day
    (OFFICE, london(2026, 6, 10, 10, 0), 60, london(2026, 6, 10, 11, 0)),
    # before opening: the clock starts at 09:00
    (OFFICE, london(2026, 6, 10, 7, 0), 30, london(2026, 6, 10, 9, 30)),
    # runs past closing into the next morning
    (OFFICE, london(2026, 6, 10, 16, 0), 120, london(2026, 6, 11, 10, 0)),
    # Friday afternoon over the weekend to Monday
    (OFFICE, london(2026, 6, 12, 16, 0), 240, london(2026, 6, 15, 12, 0)),
    # started on a Saturday: Monday 09:00 is the start
    (OFFICE, london(2026, 6, 13, 11, 0), 60, london(2026, 6, 15, 10, 0)),
    # Christmas Eve (Thu) 16:00: Christmas (Fri) a holiday, weekend, Monday 28th a holiday -> Tuesday
    (OFFICE, london(2026, 12, 24, 16, 0), 120, london(2026, 12, 29, 10, 0)),
    # a full working day is 480 minutes
    (OFFICE, london(2026, 6, 10, 9, 0), 480, london(2026, 6, 10, 17, 0)),
    (OFFICE, london(2026, 6, 10, 9, 0), 481, london(2026, 6, 11, 9, 1)),
    # spring forward (29 March 2026, 01:00 GMT -> 02:00 BST): a 24-hour calendar counts real time
    (ALL_DAY, utc(2026, 3, 28, 23, 0), 180, utc(2026, 3, 29, 2, 0)),
    # fall back (25 October 2026, 02:00 BST -> 01:00 GMT)
    (ALL_DAY, utc(2026, 10, 24, 23, 0), 180, utc(2026, 10, 25, 2, 0)),
    # nine to five the week the clocks change: 09:00 local, which is 08:00 UTC after the change
    (OFFICE, london(2026, 3, 27, 16, 0), 120, utc(2026, 3, 30, 9, 0)),
    (OFFICE, london(2026, 3, 27, 16, 0), 120, london(2026, 3, 30, 10, 0)),
    # overnight shift: Monday 23:00 + 8 hours -> Tuesday 22:00 + 1 hour
    (NIGHTS, london(2026, 6, 15, 23, 0), 8 * 60, london(2026, 6, 16, 23, 0)),
    # Friday's night shift runs into Saturday morning; then nothing until Monday 22:00
    (NIGHTS, london(2026, 6, 19, 23, 0), 8 * 60, london(2026, 6, 22, 23, 0)),
    # Saturday 03:00 is inside Friday's shift
    (NIGHTS, london(2026, 6, 20, 3, 0), 60, london(2026, 6, 20, 4, 0)),
])
def test_add(calendar, start, minutes, due):
    assert add(calendar, start, minutes) == due


@pytest.mark.parametrize(("calendar", "start", "end", "minutes"), [
    (OFFICE, london(2026, 6, 10, 10, 0), london(2026, 6, 10, 11, 30), 90),
    (OFFICE, london(2026, 6, 12, 16, 0), london(2026, 6, 15, 10, 0), 120),  # over a weekend
    (OFFICE, london(2026, 12, 24, 16, 0), london(2026, 12, 29, 10, 0), 120),  # over two holidays
    (OFFICE, london(2026, 6, 13, 8, 0), london(2026, 6, 14, 20, 0), 0),  # a whole weekend
    (OFFICE, london(2026, 6, 10, 18, 0), london(2026, 6, 10, 9, 0), 0),  # backwards
    (ALL_DAY, london(2026, 3, 29, 0, 0), london(2026, 3, 30, 0, 0), 23 * 60),  # the short day
    (ALL_DAY, london(2026, 10, 25, 0, 0), london(2026, 10, 26, 0, 0), 25 * 60),  # the long day
    (NIGHTS, london(2026, 6, 15, 12, 0), london(2026, 6, 16, 12, 0), 8 * 60),
])
def test_minutes_between(calendar, start, end, minutes):
    assert minutes_between(calendar, start, end) == minutes


def test_add_and_between_agree_across_a_year():
    start = london(2026, 1, 5, 9, 0)
    for minutes in (1, 59, 480, 2400, 10_000, 60_000):
        assert minutes_between(OFFICE, start, add(OFFICE, start, minutes)) == pytest.approx(minutes)


def test_a_calendar_without_hours_is_refused_not_looped():
    with pytest.raises(ValueError, match="no working time"):
        add(Calendar(LONDON, {}), london(2026, 6, 10, 10, 0), 60)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add(OFFICE, datetime(2026, 6, 10, 10, 0), 60)


def test_hours_text():
    assert parse_hours("09:00-17:30") == (540, 1050)
    assert parse_hours("22:00 - 06:00") == (1320, 360)
    assert format_hours(*parse_hours("00:00-24:00")) == "00:00-24:00"
    with pytest.raises(ValueError, match="09:00-17:00"):
        parse_hours("nine to five")
