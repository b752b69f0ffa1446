"""/reports/standard/<key>: a standard report (app/reporting/standard.py),
its parameters a GET form whose state is the URL (bookmarkable, works
without JavaScript), its results accessible tables with drill-down links,
each drawn above its table as the builder's SVG chart when it names one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, render_template, request

from app.hooks import refuse
from app.htmx import is_htmx
from app.permissions import can, permission_required
from app.reporting import standard
from app.reporting.results import Column, Result
from modules.reports import charts
from modules.reports.views import bp


def visible() -> list[standard.Contributed]:
    """The standard reports the signed-in user may open."""
    return [c for c in standard.available() if can(c.report.permission)]


def cell(value, kind: str) -> str:
    """A value as the table shows it; the column label names the currency."""
    if value is None:
        return "—"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "number":
        return f"{value:,}" if isinstance(value, int) else f"{Decimal(value):,}"
    if kind == "percent":
        return f"{Decimal(value):,.1f}%"
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def chart_of(table: standard.Table) -> charts.Chart | None:
    """The chart `table.chart` asks for: its x column along the axis (as
    labels, whatever its type), its series as bars or lines. The table
    beside it holds the numbers."""
    spec, result = table.chart, table.result
    if spec is None or not result.rows:
        return None
    keep = [result.column(spec.x), *(result.column(key) for key in spec.series)]
    columns = [Column(spec.x, result.columns[keep[0]].label), *(result.columns[i] for i in keep[1:])]
    rows = [tuple(row[i] for i in keep) for row in result.rows]
    return charts.build(Result(columns, rows), spec.kind)  # titled by what it draws: the heading names the table


@bp.get("/standard/<key>")
@permission_required("reports.view")
def standard_report(key: str):
    found = standard.find(key)
    if found is None:
        abort(404)
    report = found.report
    if not can(report.permission):
        refuse(report.permission, f"the standard report {key}")
    values = standard.read_params(report, request.args)
    tables = report.run(values.values)
    context = {"report": report, "values": values, "tables": tables, "cell": cell, "chart_of": chart_of,
               "choices": {p.key: standard.choices(p) for p in report.params if p.kind == "choice"}}
    template = "reports/_standard_results.html" if is_htmx() else "reports/standard.html"
    return render_template(template, **context)
