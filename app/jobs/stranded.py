"""Jobs stranded by a worker that died: find them, mark them interrupted,
and resume the kinds that can carry on from their last checkpoint.

A running job beats in Redis from the process that runs it
(app/heartbeat.py). `sweep` looks at the jobs the database says are
running: one whose beat is older than WORKER_LOST_AFTER, or that has no beat
and started longer ago than that (Redis lost its data), is interrupted. A
job kind that declares `resumable=True` is queued again at once (at most
AUTO_RESUMES times, so a job that kills its worker each time stops and
waits for an administrator); any other stays interrupted, with Retry on
Admin → Jobs.

`flask worker` sweeps when it starts; the light worker checks the beats at
each of its own and queues `sweep` as an RQ job when one looks stale.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import current_app

from app import heartbeat
from app.extensions import db
from app.jobs.service import resume, tell_module
from app.models import Job
from app.models.base import utcnow

# Runs of one job (first run included) after which an interrupted job is no longer resumed by itself.
AUTO_RESUMES = 3
SWEEP_RQ_ID = "steward-sweep-stranded"


def _lost(job: Job, beats: dict[int, float], lost_after: int) -> bool:
    last = beats.get(job.id)
    if last is not None:
        return time.time() - last > lost_after
    started = job.started_at or job.created_at
    return started is not None and utcnow() - started > timedelta(seconds=lost_after)


def _describe(job: Job, beats: dict[int, float]) -> str:
    last = beats.get(job.id)
    seen = (datetime.fromtimestamp(last, UTC) if last is not None else job.started_at)
    when = seen.strftime("%Y-%m-%d %H:%M:%S UTC") if seen else "an unknown time"
    return f"The worker running this job stopped (last heard from at {when})."


def sweep() -> dict:
    """Mark stranded jobs interrupted and resume those that can be; commits.
    Returns the ids it interrupted and resumed."""
    state = current_app.extensions["steward"]
    lost_after = current_app.config["WORKER_LOST_AFTER"]
    running = list(db.session.scalars(db.select(Job).where(Job.status == Job.STARTED).order_by(Job.id)))
    beats = heartbeat.job_beats(state.redis, [job.id for job in running])
    interrupted, resumed = [], []
    for job in running:
        if not _lost(job, beats, lost_after):
            continue
        handler = state.jobs.get(job.kind)
        resuming = bool(handler and handler.resumable) and job.attempts < AUTO_RESUMES
        job.status, job.error = Job.INTERRUPTED, _describe(job, beats)
        interrupted.append(job.id)
        if resuming:
            resume(job)
            resumed.append(job.id)
        else:
            tell_module(job, resuming=False)
        current_app.logger.warning("job %s (%s) was stranded by its worker; %s", job.id, job.kind,
                                   "resuming it" if resuming else "it waits for Resume or Retry")
    db.session.commit()
    started = {job.id for job in running}
    # the beats of jobs just interrupted, and any left by a job the database no longer runs
    for job_id in interrupted + [i for i in heartbeat.stale_jobs(state.redis, lost_after) if i not in started]:
        heartbeat.forget_job(state.redis, job_id)
    return {"interrupted": interrupted, "resumed": resumed}


def run_sweep() -> str:
    """What the RQ job SWEEP_RQ_ID runs (in an app context)."""
    found = sweep()
    return f"{len(found['interrupted'])} interrupted, {len(found['resumed'])} resumed"
