"""/reports/standard/<key>: a standard report (app/reporting/standard.py),
its parameters a GET form whose state is the URL (bookmarkable, works
without JavaScript), its results accessible tables with drill-down links.
Each table carries its chart spec for the builder's SVG charts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, render_template, request

from app.hooks import refuse
from app.htmx import is_htmx
from app.permissions import can, permission_required
from app.reporting import standard
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
    context = {"report": report, "values": values, "tables": tables, "cell": cell,
               "choices": {p.key: standard.choices(p) for p in report.params if p.kind == "choice"}}
    template = "reports/_standard_results.html" if is_htmx() else "reports/standard.html"
    return render_template(template, **context)
