"""Create, run, track and retry background jobs."""

from __future__ import annotations

import traceback
from datetime import timedelta

from flask import current_app
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import heartbeat
from app.extensions import db
from app.models import Job
from app.models.base import utcnow

QUEUE_NAME = "steward"
_PENDING = "steward_pending_jobs"
WAITING = {"queued", "scheduled", "deferred"}


def queue() -> Queue:
    return Queue(QUEUE_NAME, connection=current_app.extensions["steward"].redis)


def enqueue(kind: str, title: str, args: dict | None = None, *, user=None,
            delay: timedelta | None = None) -> Job:
    """Record a job; it reaches RQ when the current transaction commits."""
    if kind not in current_app.extensions["steward"].jobs:
        raise LookupError(f"no enabled module handles jobs of kind {kind!r}")
    job = Job(kind=kind, title=title, args=args or {}, created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append((job.id, delay))
    return job


def _push(job_id: int, delay: timedelta | None = None) -> None:
    q = queue()
    rq_id = f"steward-job-{job_id}"
    try:
        if RQJob.fetch(rq_id, connection=q.connection).get_status() in WAITING:
            return  # already waiting in RQ; do not run it twice
    except NoSuchJobError:
        pass
    if delay:
        q.enqueue_in(delay, "app.jobs.service.run", job_id, job_id=rq_id)
    else:
        q.enqueue("app.jobs.service.run", job_id, job_id=rq_id)


@event.listens_for(Session, "after_commit")
def _send_pending(session) -> None:
    pending = session.info.pop(_PENDING, [])
    for job_id, delay in pending:
        try:
            _push(job_id, delay)
        except Exception:  # Redis down: the row stays queued; requeue_waiting sends it later
            current_app.logger.exception("could not enqueue job %s", job_id)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session) -> None:
    session.info.pop(_PENDING, None)


def job_progress(job: Job, done: int, total: int | None = None, message: str | None = None) -> None:
    """Record progress so the UI can draw a bar; commits."""
    job.done = done
    if total is not None:
        job.total = total
    if message is not None:
        job.message = message
    db.session.commit()


# A job that ran this long (an import, a bulk action) refreshes the planner's statistics.
REFRESH_STATISTICS_AFTER = timedelta(seconds=2)


def run(job_id: int) -> str:
    """Entry point RQ calls. Runs the handler of the job's kind."""
    job = db.session.get(Job, job_id)
    if job is None or job.status == Job.FINISHED:
        return "nothing to do"
    handler = current_app.extensions["steward"].jobs.get(job.kind)
    job.attempts += 1
    job.started_at = utcnow()
    job.finished_at = None
    if handler is None:
        job.status, job.error = Job.FAILED, f"No enabled module handles {job.kind!r}; is it disabled?"
        db.session.commit()
        return job.status
    job.status, job.error = Job.STARTED, None
    db.session.commit()
    beating = _beat_while_running(job_id)
    try:
        result = handler.run(job, **(job.args or {}))
    except Exception:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status, job.error, job.finished_at = Job.FAILED, traceback.format_exc(limit=20), utcnow()
        db.session.commit()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        return job.status
    finally:
        beating.stop()
        heartbeat.forget_job(_redis(), job_id)
    job.status, job.finished_at = Job.FINISHED, utcnow()
    long_job = job.finished_at - job.started_at >= REFRESH_STATISTICS_AFTER
    if isinstance(result, dict):
        job.result = result
    db.session.commit()
    if long_job:
        from app.dbstats import refresh_statistics

        refresh_statistics()  # an import or bulk action may have changed the data's shape
    return job.status


def _redis():
    return current_app.extensions["steward"].redis


def _beat_while_running(job_id: int) -> heartbeat.Beating:
    """Say every WORKER_HEARTBEAT seconds, from this process, that the job
    still runs (app/heartbeat.py)."""
    connection, log = _redis(), current_app.logger
    return heartbeat.Beating(lambda: heartbeat.beat_job(connection, job_id),
                             current_app.config["WORKER_HEARTBEAT"], f"job-{job_id}-heartbeat",
                             on_error=lambda error: log.warning("job %s: heartbeat failed: %s", job_id, error)).start()


def retry(job: Job) -> None:
    """Queue a failed or interrupted job again (from the admin page)."""
    job.status, job.error, job.done = Job.QUEUED, None, 0
    tell_module(job, resuming=True)
    db.session.info.setdefault(_PENDING, []).append((job.id, None))


def resume(job: Job) -> None:
    """Queue an interrupted job of a resumable kind again: it carries on from
    its last checkpoint (its progress stays)."""
    job.status, job.error, job.finished_at = Job.QUEUED, None, None
    tell_module(job, resuming=True)
    db.session.info.setdefault(_PENDING, []).append((job.id, None))


def tell_module(job: Job, *, resuming: bool) -> None:
    """Let the job's module mark its own records as waiting again or as
    interrupted (`JobHandler.interrupted`)."""
    handler = current_app.extensions["steward"].jobs.get(job.kind)
    if handler is not None and handler.interrupted is not None:
        handler.interrupted(job, resuming)


def resumable(job: Job) -> bool:
    handler = current_app.extensions["steward"].jobs.get(job.kind)
    return bool(handler and handler.resumable)


def requeue_waiting() -> int:
    """Send queued jobs whose RQ entry is missing (Redis restarted, or it was
    down when they were created). Called when a worker starts."""
    q = queue()
    waiting = set(q.job_ids)
    scheduled = set(q.scheduled_job_registry.get_job_ids())
    count = 0
    for job in db.session.scalars(db.select(Job).where(Job.status == Job.QUEUED)):
        if f"steward-job-{job.id}" not in waiting | scheduled:
            _push(job.id)
            count += 1
    return count
