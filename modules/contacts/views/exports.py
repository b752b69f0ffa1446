"""Exporting contacts: the list as it is filtered ("Export this list"), a
saved segment, or a selection (the bulk action hands over to `respond`).
Small exports stream straight to the browser; large ones become a
"contacts.export" job whose page offers the file when it is ready. The
work itself is in modules/contacts/lists/export.py."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user

from app.dates import org_zone
from app.extensions import db
from app.htmx import page_or_fragment, redirect_after_post
from app.ids import parse_id
from app.models import Job
from app.permissions import can, permission_required
from modules.contacts.lists import bulk, export, queries, segments
from modules.contacts.models import Segment
from modules.contacts.views import bp
from modules.contacts.views.listing import _describe, _specs, list_url


def _source(args, specs) -> tuple[export.Source, str, list[str]]:
    """(what to export, where Cancel goes, the rules in words) from request args."""
    segment_id = parse_id(args.get("segment_id"))
    if segment_id is not None:
        segment = db.get_or_404(Segment, segment_id)
        if not segments.may_see(segment, current_user):
            abort(404)
        lq = segments.list_query(segment, specs)
        return (export.Source("segment", segment_id=segment.id, segment_name=segment.name),
                url_for("contacts.segments"), _describe(lq, specs))
    lq, _ = queries.parse(args, specs)
    if args.get("scope") == "selected":
        return export.Source("selected", ids=bulk.read_ids(args.getlist("ids"))), list_url(lq), []
    queries.conditions(lq, specs)  # marks rules that cannot be read
    return export.Source("list", lq=lq), list_url(lq), _describe(lq, specs)


def _format(value) -> str:
    return value if value in export.FORMATS else "csv"


@bp.get("/export")
@permission_required("contacts.export")
def export_confirm():
    specs = _specs()
    source, back, rules = _source(request.args, specs)
    errors = source.lq.errors if source.lq is not None else []
    n = 0 if errors else export.count(source.ids_select(specs))
    return render_template("contacts/export.html", source=source, back=back, rules=rules, n=n, errors=errors,
                           fmt=_format(request.args.get("format")), formats=export.FORMATS,
                           background=n > export.BACKGROUND_OVER, limit=export.BACKGROUND_OVER)


@bp.post("/export")
@permission_required("contacts.export")
def export_run():
    specs = _specs()
    source, back, _ = _source(request.form, specs)
    return respond(source, request.form.get("format"), specs, back)


def respond(source: export.Source, fmt, specs: dict, back: str):
    """Audit the export, then stream the file, or hand a large one to a job."""
    fmt = _format(fmt)
    if source.lq is not None:
        queries.conditions(source.lq, specs)
        if source.lq.errors:
            flash("Some filter rules cannot be read, so the list cannot be exported as it is; "
                  "remove or correct them first.", "error")
            return redirect_after_post(back)
    ids_select = source.ids_select(specs)
    n = export.count(ids_select)
    user = current_user._get_current_object()
    export.record(n, fmt, source, user)
    if n > export.BACKGROUND_OVER:
        from app import jobs

        if source.lq is not None:
            segments.resolve_me(source.lq, user.id)
        job = jobs.enqueue("contacts.export", f"Export {n:,} contacts to {export.FORMATS[fmt][0]}",
                           {"fmt": fmt, "source": source.to_args()}, user=user)
        db.session.commit()
        return redirect_after_post(url_for("contacts.export_job", job_id=job.id))
    db.session.commit()
    stamp = datetime.now(org_zone()).strftime("%Y-%m-%d")
    return Response(stream_with_context(export.stream(ids_select, fmt)), mimetype=export.FORMATS[fmt][1],
                    headers={"Content-Disposition": f'attachment; filename="{export.filename(fmt, stamp)}"'})


def _job_or_404(job_id: int) -> Job:
    """An export job, for the person who asked for it (or a contacts admin)."""
    job = db.get_or_404(Job, job_id)
    if job.kind != "contacts.export" or (job.created_by_id != current_user.id and not can("contacts.admin")):
        abort(404)
    return job


@bp.get("/exports/<int:job_id>")
@permission_required("contacts.export")
def export_job(job_id: int):
    job = _job_or_404(job_id)
    ready = job.status == Job.FINISHED and job.result and export.job_file(job.id, job.result["format"]).exists()
    return page_or_fragment("contacts/export_job.html", "contacts/export_status.html", job=job, ready=ready)


@bp.get("/exports/<int:job_id>/download")
@permission_required("contacts.export")
def export_download(job_id: int):
    job = _job_or_404(job_id)
    if job.status != Job.FINISHED or not job.result:
        abort(404)
    fmt = _format(job.result.get("format"))
    path = export.job_file(job.id, fmt)
    if not path.exists():
        abort(404)
    stamp = job.created_at.astimezone(org_zone()).strftime("%Y-%m-%d")
    return send_file(path, mimetype=export.FORMATS[fmt][1], as_attachment=True,
                     download_name=export.filename(fmt, stamp), max_age=0)
