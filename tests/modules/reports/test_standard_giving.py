"""The standard giving reports against the hand-built history in
dataset.py (a July fiscal year; the report year is FY2025 =
2025-07-01..2026-06-30, "last year" FY2024 = 2024-07-01..2025-06-30).
Every expected figure is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.reporting import standard
from modules.pipeline import gift_rollup
from tests.modules.reports import dataset

D = Decimal


@pytest.fixture
def history(app):
    with app.app_context():
        ids = dataset.build()
    return ids


def run(app, key: str, **args) -> list[standard.Table]:
    """The report as its page runs it: parameters read from a query string."""
    with app.test_request_context(f"/reports/standard/{key}"):
        report = standard.find(key).report
        values = standard.read_params(report, {k: str(v) for k, v in args.items()})
        assert not values.errors, values.errors
        tables = report.run(values.values)
        db.session.remove()
        return tables


def rows(table: standard.Table, *keys: str) -> list[tuple]:
    at = [table.result.column(k) for k in keys]
    return [tuple(row[i] for i in at) for row in table.result.rows]


def filters(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query)["f"]


def test_retention_overall_new_and_repeat_by_hand(app, history):
    # FY2024's live donors: Ann, Ben, Cat, Dan, Hal, Ivy (euros count: a donor is a donor), Jo = 7.
    # (Gus's 2024-06-30 gift is FY2023's last day; Tom is trashed.)
    # Gave again in FY2025: Ann (2025-07-01, its first day), Ben (2026-06-30, its last day), Hal, Ivy = 4.
    #   overall 4 / 7 = 57.1%.
    # New in FY2024 (first gift ever in it): Ben, Cat, Hal, Ivy = 4; of them again: Ben, Hal, Ivy = 3 -> 75.0%.
    # Repeat (gave in FY2024 and before it): Ann (FY2023), Dan (FY2021), Jo (FY2023) = 3; again: Ann = 1 -> 33.3%.
    summary, trend = run(app, "giving.retention", year=2025)
    assert rows(summary, "donors", "last_year", "again", "rate", "median") == [
        ("All donors", 7, 4, D("57.1"), D("41")),
        ("New donors", 4, 3, D("75.0"), D("27")),
        ("Repeat donors", 3, 1, D("33.3"), D("70"))]
    # The drill-down of "gave again" is the contacts list with the same rules.
    assert filters(summary.result.drill[1]) == ["gave:between:2024-07-01..2025-06-30",
                                                "gave:not_between:..2024-06-30",
                                                "gave:between:2025-07-01..2026-06-30"]
    # Year over year, FY2021..FY2025, each against the year before:
    #   FY2021: base FY2020, nobody.
    #   FY2022: base FY2021 = Dan (2022-03-01), new then; not again in FY2022 -> 0.0% overall and new.
    #   FY2023: base FY2022, nobody.
    #   FY2024: base FY2023 = Ann, Eve, Gus (2024-06-30), Jo = 4, all new in FY2023; again in FY2024:
    #           Ann, Jo = 2 -> 50.0% overall and new, no repeat donors.
    #   FY2025: the summary above.
    assert rows(trend, "year", "overall", "new", "repeat", "base") == [
        ("2021–22", None, None, None, 0),
        ("2022–23", D("0.0"), D("0.0"), None, 1),
        ("2023–24", None, None, None, 0),
        ("2024–25", D("50.0"), D("50.0"), None, 4),
        ("2025–26", D("57.1"), D("75.0"), D("33.3"), 7)]
