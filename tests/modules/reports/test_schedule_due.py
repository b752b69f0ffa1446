"""When a report schedule is next due: weekly, monthly, and the first
working day of the quarter with weekends and the country's holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from modules.reports.delivery.due import country_holidays, first_working_day, next_due

UK = country_holidays("GB")


@pytest.mark.parametrize(("year", "month", "holidays", "expected", "why"), [
    (2024, 1, UK, date(2024, 1, 2), "1 Jan is New Year's Day (a Monday holiday)"),
    (2024, 4, country_holidays("DE"), date(2024, 4, 2), "1 Apr 2024 is Easter Monday, a German holiday"),
    (2024, 4, UK, date(2024, 4, 1), "Easter Monday is not a holiday in all of the UK (not Scotland)"),
    (2024, 7, UK, date(2024, 7, 1), "a plain Monday"),
    (2023, 10, UK, date(2023, 10, 2), "1 Oct 2023 is a Sunday"),
    (2022, 1, UK, date(2022, 1, 4), "Saturday 1st, Sunday 2nd, New Year's Day substitute Monday 3rd"),
    (2022, 1, {}, date(2022, 1, 3), "no country: only the weekend is skipped"),
    (2026, 4, country_holidays("US"), date(2026, 4, 1), "US: no holiday on 1 Apr"),
])
def test_first_working_day_of_the_quarter(year, month, holidays, expected, why):
    assert first_working_day(year, month, holidays) == expected, why


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_quarterly_runs_on_the_next_quarters_first_working_day():
    assert next_due("quarterly", zone=UTC, after=at(2023, 12, 20), holidays=UK) == at(2024, 1, 2, 7)
    assert next_due("quarterly", zone=UTC, after=at(2024, 1, 2, 7), holidays=UK) == at(2024, 4, 1, 7)  # strictly after
    assert next_due("quarterly", zone=UTC, after=at(2024, 1, 2, 6, 59), holidays=UK) == at(2024, 1, 2, 7)
    assert next_due("quarterly", zone=UTC, after=at(2024, 10, 5), holidays=UK) == at(2025, 1, 2, 7)  # 1 Jan: holiday


def test_weekly_and_monthly():
    # 2026-12-07 is a Monday.
    assert next_due("weekly", zone=UTC, after=at(2026, 12, 7, 6), weekday=0) == at(2026, 12, 7, 7)
    assert next_due("weekly", zone=UTC, after=at(2026, 12, 7, 7), weekday=0) == at(2026, 12, 14, 7)
    assert next_due("weekly", zone=UTC, after=at(2026, 12, 7, 9), weekday=4) == at(2026, 12, 11, 7)
    assert next_due("monthly", zone=UTC, after=at(2026, 12, 7), day=1) == at(2027, 1, 1, 7)
    assert next_due("monthly", zone=UTC, after=at(2026, 12, 7), day=28) == at(2026, 12, 28, 7)
    with pytest.raises(ValueError):
        next_due("daily", zone=UTC, after=at(2026, 12, 7))


def test_runs_are_at_seven_on_the_organisations_clock_summer_time_included():
    auckland, london = ZoneInfo("Pacific/Auckland"), ZoneInfo("Europe/London")
    # Monday 7 Dec 2026, 07:00 in Auckland (NZDT, UTC+13) is Sunday 6 Dec 18:00 UTC.
    assert next_due("weekly", zone=auckland, after=at(2026, 12, 6, 12), weekday=0) == at(2026, 12, 6, 18)
    assert next_due("weekly", zone=auckland, after=at(2026, 12, 6, 18), weekday=0) == at(2026, 12, 13, 18)
    # London: 07:00 GMT in winter, 07:00 BST (06:00 UTC) in summer.
    assert next_due("monthly", zone=london, after=at(2026, 12, 7), day=1) == at(2027, 1, 1, 7)
    assert next_due("monthly", zone=london, after=at(2027, 6, 7), day=1) == at(2027, 7, 1, 6)
    # The quarter's first working day is the organisation's date, not UTC's.
    assert next_due("quarterly", zone=auckland, after=at(2026, 12, 20), holidays={}) == at(2026, 12, 31, 18)
