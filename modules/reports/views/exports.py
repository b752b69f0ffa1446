"""Exports of a builder report (its URL) or a saved report: CSV, XLSX, PDF.
Each export is in the audit log; it holds the rows the page shows (up to the
report's row limit)."""

from __future__ import annotations

import re

from flask import Response, abort, render_template, request

from app import audit
from app.extensions import db
from app.permissions import permission_required
from modules.reports import exports
from modules.reports.evaluate import evaluate
from modules.reports.views import bp
from modules.reports.views.context import builder_context
from modules.reports.views.saved import _report_or_404, spec_args

FORMATS = ("csv", "xlsx", "pdf")


def _filename(title: str, fmt: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "report"
    return f"{stem}.{fmt}"


def _export(ev, fmt: str, title: str, description: str = "", report=None):
    if fmt not in FORMATS:
        abort(404)
    if ev.result is None:
        context = builder_context(ev, report=report)
        if ev.stopped:
            context["problems_heading"] = "The export was stopped"
        return render_template("reports/builder.html", **context), ev.status if ev.status != 200 else 422
    if fmt == "csv":
        body = exports.to_csv(ev.result)
    elif fmt == "xlsx":
        body = exports.to_xlsx(ev.result, title)
    else:
        body = exports.to_pdf(ev.result, title, description, ev.chart)
    audit.record(audit.EXPORT, report, object_type="reports_report" if report else "report",
                 summary=f"Exported “{title}” as {fmt.upper()} ({len(ev.result.rows)} rows)")
    db.session.commit()
    response = Response(body, mimetype=exports.MIME[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(title, fmt)}"'
    return response


@bp.get("/export.<fmt>")
@permission_required("reports.build")
def export(fmt: str):
    ev = evaluate(request.args)
    title = f"{ev.source.label} report" if ev.source else "Report"
    return _export(ev, fmt, title)


@bp.get("/<int:report_id>/export.<fmt>")
@permission_required("reports.view")
def saved_export(report_id: int, fmt: str):
    report = _report_or_404(report_id)
    ev = evaluate(spec_args(report.spec))
    return _export(ev, fmt, report.name, report.description, report)
