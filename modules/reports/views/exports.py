"""Exports of a builder report (its URL) or a saved report: CSV, XLSX, PDF.

An export holds every row (up to exports.EXPORT_LIMIT), or the report's own
row limit when its URL sets one. More than exports.INLINE_LIMIT rows go to
the "reports.export" job: the person is sent to its page, which shows its
progress and then offers the file. Each export is in the audit log."""

from __future__ import annotations

import re

from flask import Response, abort, render_template, request, send_file, url_for
from flask_login import current_user

from app import audit, jobs
from app.extensions import db
from app.htmx import page_or_fragment, redirect_after_post
from app.models import Job
from app.permissions import can, permission_required
from app.reporting.sources import all_sources
from modules.reports import export_job as export_jobs
from modules.reports import exports
from modules.reports.evaluate import evaluate
from modules.reports.views import bp
from modules.reports.views.context import builder_context
from modules.reports.views.saved import _report_or_404, spec_args

FORMATS = ("csv", "xlsx", "pdf")


def _filename(title: str, fmt: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "report"
    return f"{stem}.{fmt}"


def _limit(args, fmt: str) -> int:
    """How many rows the export holds: the report's own limit if it sets one."""
    if fmt == "pdf":
        cap = exports.PDF_LIMIT
    else:
        cap = exports.EXPORT_LIMIT
    own = args.get("limit")
    return min(int(own), cap) if own and own.isdigit() and int(own) > 0 else cap


def _export(args, fmt: str, title: str, description: str = "", report=None):
    if fmt not in FORMATS:
        abort(404)
    limit = _limit(args, fmt)
    inline = min(limit, exports.INLINE_LIMIT) if fmt != "pdf" else limit
    ev = evaluate(args, limit=inline)
    if ev.result is None:
        context = builder_context(ev, report=report)
        if ev.stopped:
            context["problems_heading"] = "The export was stopped"
        return render_template("reports/builder.html", **context), ev.status if ev.status != 200 else 422
    if fmt != "pdf" and ev.result.truncated and limit > inline:
        job = jobs.enqueue(export_jobs.KIND, f"Export “{title}” to {fmt.upper()}",
                           {"spec": ev.spec.args(), "fmt": fmt, "title": title, "limit": limit},
                           user=current_user)
        audit.record(audit.EXPORT, report, object_type="reports_report" if report else "report",
                     summary=f"Exported “{title}” as {fmt.upper()} (more than {inline:,} rows, in the background)")
        db.session.commit()
        return redirect_after_post(url_for("reports.export_job", job_id=job.id))
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
    source = all_sources().get(request.args.get("source", ""))
    title = f"{source.label} report" if source else "Report"
    return _export(request.args, fmt, title)


@bp.get("/<int:report_id>/export.<fmt>")
@permission_required("reports.view")
def saved_export(report_id: int, fmt: str):
    report = _report_or_404(report_id)
    return _export(spec_args(report.spec), fmt, report.name, report.description, report)


def _job_or_404(job_id: int) -> Job:
    """An export job, for the person who asked for it (or a reports admin)."""
    job = db.get_or_404(Job, job_id)
    if job.kind != export_jobs.KIND or (job.created_by_id != current_user.id and not can("reports.admin")):
        abort(404)
    return job


def _ready(job: Job) -> bool:
    return bool(job.status == Job.FINISHED and job.result
                and export_jobs.job_file(job.id, job.result.get("format", "csv")).exists())


@bp.get("/exports/<int:job_id>")
@permission_required("reports.view")
def export_job(job_id: int):
    job = _job_or_404(job_id)
    return page_or_fragment("reports/export_job.html", "reports/_export_status.html", job=job, ready=_ready(job))


@bp.get("/exports/<int:job_id>/download")
@permission_required("reports.view")
def export_download(job_id: int):
    job = _job_or_404(job_id)
    if not _ready(job):
        abort(404)
    fmt = job.result.get("format", "csv")
    return send_file(export_jobs.job_file(job.id, fmt), mimetype=exports.MIME[fmt], as_attachment=True,
                     download_name=_filename(job.result.get("title", "report"), fmt), max_age=0)
