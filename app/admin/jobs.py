"""Admin: background jobs, their progress and failures, and retrying them."""

from __future__ import annotations

from flask import flash, request, url_for

from app import audit
from app import jobs as service
from app.admin import bp
from app.admin.forms import JobFilterForm
from app.extensions import db
from app.htmx import page_or_fragment, redirect_after_post
from app.models import Job
from app.paging import keyset
from app.permissions import permission_required


@bp.route("/jobs")
@permission_required("admin.jobs")
def jobs():
    form = JobFilterForm(request.args)
    form.validate()
    stmt = db.select(Job)
    if form.status.data and not form.status.errors:
        stmt = stmt.where(Job.status == form.status.data)
    listing = keyset(stmt, Job.id, newest_first=True)
    return page_or_fragment("admin/jobs.html", "admin/_jobs_results.html", form=form, listing=listing,
                            filtered=bool(form.status.data))


@bp.route("/jobs/<int:job_id>")
@permission_required("admin.jobs")
def job(job_id: int):
    return page_or_fragment("admin/job.html", "admin/_job_status.html", job=db.get_or_404(Job, job_id))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@permission_required("admin.jobs")
def retry_job(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.status != Job.FAILED:
        flash("Only failed jobs can be retried.", "warning")
    else:
        service.retry(job)
        audit.record(audit.UPDATE, job, summary=f"Retried the job {job.title}",
                     changes={"status": (Job.FAILED, Job.QUEUED)})
        db.session.commit()
        flash(f"The job “{job.title}” is queued again.", "success")
    return redirect_after_post(url_for("admin.job", job_id=job.id))
