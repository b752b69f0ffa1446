"""Admin: background jobs, their progress and failures, and retrying or
resuming them (a job whose worker died is "interrupted": app/jobs/stranded.py)."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for

from app import audit, schedules
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
                            filtered=bool(form.status.data), resumable=service.resumable,
                            schedules=schedules.states())


@bp.route("/jobs/schedules/<name>/run", methods=["POST"])
@permission_required("admin.jobs")
def run_schedule(name: str):
    """Bring a recurring schedule forward to now; the worker runs it at its next heartbeat."""
    schedule = schedules.enabled().get(name)
    if schedule is None:
        abort(404)
    schedules.wake(name)
    audit.record(audit.UPDATE, object_type="core_schedule", object_id=name,
                 summary=f"Asked to run “{schedule.title}” now")
    db.session.commit()
    beat = current_app.config["WORKER_HEARTBEAT"]
    flash(f"“{schedule.title}” will run at the worker's next heartbeat (within {beat} seconds).", "success")
    return redirect_after_post(url_for("admin.jobs"))


@bp.route("/jobs/<int:job_id>")
@permission_required("admin.jobs")
def job(job_id: int):
    return page_or_fragment("admin/job.html", "admin/_job_status.html", job=db.get_or_404(Job, job_id),
                            resumable=service.resumable)


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@permission_required("admin.jobs")
def retry_job(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.status not in (Job.FAILED, Job.INTERRUPTED):
        flash("Only failed or interrupted jobs can be retried.", "warning")
    else:
        before = job.status
        service.retry(job)
        audit.record(audit.UPDATE, job, summary=f"Retried the job {job.title}",
                     changes={"status": (before, Job.QUEUED)})
        db.session.commit()
        flash(f"The job “{job.title}” is queued again.", "success")
    return redirect_after_post(url_for("admin.job", job_id=job.id))


@bp.route("/jobs/<int:job_id>/resume", methods=["POST"])
@permission_required("admin.jobs")
def resume_job(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.status != Job.INTERRUPTED or not service.resumable(job):
        flash("Only an interrupted job of a kind that keeps checkpoints can be resumed; retry it instead.", "warning")
    else:
        service.resume(job)
        audit.record(audit.UPDATE, job, summary=f"Resumed the job {job.title} after {job.done:,} done",
                     changes={"status": (Job.INTERRUPTED, Job.QUEUED)})
        db.session.commit()
        flash(f"The job “{job.title}” carries on where it stopped.", "success")
    return redirect_after_post(url_for("admin.job", job_id=job.id))
