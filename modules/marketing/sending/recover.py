"""Campaigns that are sending but whose job is gone: the schedule
"marketing.sending_watch" hands them to a job again from the campaign's
state (the database is the truth; the cursor and the row states say what is
left). A Redis that restarted without its data loses a waiting job's RQ
entry (a delayed continuation, a job queued while Redis was down); a job
that failed outright leaves the campaign `sending` with no one working.

A job that is running, or waiting in RQ, is left alone: a worker that died
is the core's sweep's (app/jobs/stranded.py), which resumes this kind."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.jobs import queue
from app.jobs.service import _push
from app.models import Job
from app.models.base import utcnow
from app.schedules import Ran
from modules.marketing.campaign_models import FREEZING, SENDING, Campaign
from modules.marketing.sending import control


def _in_rq(job_id: int) -> bool:
    q = queue()
    rq_id = f"steward-job-{job_id}"
    return rq_id in set(q.job_ids) or rq_id in set(q.scheduled_job_registry.get_job_ids())


WATCH = "marketing.sending_watch"
IDLE = timedelta(days=1)  # nothing sending: look again tomorrow (starting a send wakes it)


def watch() -> Ran:
    """The schedule: every minute while a campaign sends, else once a day,
    so an idle worker stays light."""
    found = restart_stranded()
    sending = db.session.scalar(select(Campaign.id).where(Campaign.status.in_((SENDING, FREEZING))).limit(1))
    summary = f"{len(found['handed'])} handed to a new job, {len(found['pushed'])} sent to RQ again"
    return Ran(summary, None if sending else utcnow() + IDLE)


def restart_stranded() -> dict:
    """Commits; returns the ids of the campaigns handed to a new job and of
    those whose waiting job was sent to RQ again."""
    handed, pushed = [], []
    for campaign_id, job_id in db.session.execute(
            select(Campaign.id, Campaign.job_id).where(Campaign.status.in_((SENDING, FREEZING)))).all():
        job = db.session.get(Job, job_id) if job_id else None
        if job is not None and job.status in (Job.STARTED, Job.INTERRUPTED):
            continue  # running, or the core's sweep decides
        if job is not None and job.status == Job.QUEUED:
            if not _in_rq(job.id):
                pushed.append(campaign_id)
                db.session.commit()
                _push(job.id)  # its delay, if any, was lost with Redis: it runs now
            continue
        campaign = db.session.get(Campaign, campaign_id)
        control.hand_to_new_job(campaign)
        db.session.commit()
        handed.append(campaign_id)
        current_app.logger.warning("campaign %s was sending with no job; handed to job %s", campaign_id,
                                   campaign.job_id)
    return {"handed": handed, "pushed": pushed}
