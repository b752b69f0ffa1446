"""The schedule "marketing.sequence_steps" and the job it queues.

The schedule looks when the earliest step is due; when one is, it queues
the job "marketing.send_sequence_steps" (unless one is waiting or running)
and comes back in a minute; else it sleeps till the next step is due
(entering a sequence wakes it). The job sends everything due
(sending.send_due). A worker that was down finds steps due long ago: they
go out late, once each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.models import Job
from app.models.base import utcnow
from app.schedules import Ran
from modules.marketing.sequences import sending

KIND = "marketing.send_sequence_steps"
IDLE = timedelta(days=1)


def run() -> Ran:
    now = utcnow()
    due = sending.next_due(now)
    if due is None:
        return Ran("No sequence step is waiting", now + IDLE)
    if due > now:
        return Ran(f"The next step is due at {due:%Y-%m-%d %H:%M} UTC", due)
    busy = db.session.scalar(select(Job.id).where(Job.kind == KIND, Job.status.in_((Job.QUEUED, Job.STARTED)))
                             .limit(1))
    if busy is None:
        enqueue(KIND, "Send the sequence steps that are due")
        db.session.commit()
        return Ran("Queued the sending of due sequence steps")
    return Ran("Due sequence steps are being sent")


def run_job(job) -> dict:
    result = sending.send_due()
    return {"sent": result.sent, "failed": result.failed, "deferred": result.deferred, "left": result.left,
            "note": result.summary()}
