"""SVG charts drawn from any Result: bar lengths follow the numbers, stacked
bars add up, lines pass through each point, and every number is also in
the chart's table and its text description."""

from __future__ import annotations

from decimal import Decimal

from pytest import approx

from app.permissions import view_permission
from app.reporting.results import Column, Result
from modules.reports import charts

D = Decimal


def one_series() -> Result:
    return Result([Column("year", "Fiscal year"), Column("total", "Total", "money")],
                  [("FY 2023–24", D("100")), ("FY 2024–25", D("300")), ("FY 2025–26", D("0"))])


def two_dimensions() -> Result:
    return Result([Column("year", "Year"), Column("fund", "Fund"), Column("total", "Total", "money")],
                  [("2024", "General", D("100")), ("2024", "Building", D("50")), ("2025", "General", D("25"))])


def test_bar_heights_follow_the_numbers():
    chart = charts.build(one_series(), "bar")
    assert chart.categories == ["FY 2023–24", "FY 2024–25", "FY 2025–26"]
    heights = [bar.h for bar in chart.bars]
    assert heights[1] == approx(3 * heights[0], abs=0.3) and heights[2] == 0
    assert all(bar.y + bar.h == approx(chart.baseline, abs=0.1) for bar in chart.bars)  # on the axis
    assert chart.ticks[-1][1] == "300" and chart.ticks[0][1] == "0"
    assert chart.description == "FY 2023–24: 100.00; FY 2024–25: 300.00; FY 2025–26: 0.00."
    assert chart.title == "Total by fiscal year"


def test_a_second_grouping_gives_the_series_and_stacks_add_up():
    grouped = charts.build(two_dimensions(), "bar")
    assert grouped.series == ["General", "Building"]
    assert grouped.cell(0, 1) == "50.00" and grouped.cell(1, 1) == "—"  # no Building gifts in 2025
    stacked = charts.build(two_dimensions(), "stacked")
    first_year = [b for b in stacked.bars if b.title.startswith("2024")]
    assert len(first_year) == 2
    top = min(b.y for b in first_year)
    assert stacked.baseline - top == approx(sum(b.h for b in first_year), abs=0.2)  # 100 + 50 in one column
    assert sum(b.h for b in first_year) == approx(6 * sum(b.h for b in stacked.bars if b.title.startswith("2025")),
                                                 abs=0.5)


def test_lines_pass_through_each_point():
    chart = charts.build(one_series(), "line")
    [(colour, points, marks)] = chart.lines
    assert len(marks) == 3 and points.count(",") == 3
    assert marks[0].y - marks[1].y == approx(2 * (marks[2].y - marks[0].y), abs=0.3)  # 100→300: twice 0→100


def test_nothing_to_draw():
    numbers_only = Result([Column("n", "Count", "number")], [(3,)])
    assert charts.build(numbers_only, "bar") is None
    assert charts.build(one_series(), "pie") is None  # no pie charts


def test_every_reports_route_declares_a_reports_permission(app):
    rules = {r.rule: view_permission(app.view_functions[r.endpoint]) for r in app.url_map.iter_rules()
             if r.rule.startswith("/reports/")}
    # Every route (dashboards, schedules and standard reports included) declares one of the module's own.
    assert {rule: perm for rule, perm in rules.items() if not (perm or "").startswith("reports.")} == {}
    builder = {
        "/reports/new": "reports.build",
        "/reports/save": "reports.build",
        "/reports/<int:report_id>": "reports.view",
        "/reports/<int:report_id>/edit": "reports.build",
        "/reports/<int:report_id>/duplicate": "reports.build",
        "/reports/<int:report_id>/delete": "reports.build",
        "/reports/export.<fmt>": "reports.build",
        "/reports/<int:report_id>/export.<fmt>": "reports.view",
        "/reports/exports/<int:job_id>": "reports.view",
        "/reports/exports/<int:job_id>/download": "reports.view",
    }
    assert {rule: rules.get(rule) for rule in builder} == builder
