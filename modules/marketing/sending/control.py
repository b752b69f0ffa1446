"""Start, pause, resume and cancel a campaign's sending, and its progress.

Each change locks the campaign's row and names the job that may send
(`campaign.job_id`): pausing clears it, resuming names a new job, so a job
still running or still waiting in RQ stops at its next batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app import schedules
from app.database import hold_row_lock
from app.extensions import db
from app.jobs import enqueue
from app.models import Job
from app.models.base import utcnow
from modules.marketing.campaign_models import (
    CANCELLED,
    FREEZING,
    PAUSED,
    SENDING,
    SENT,
    SENT_ROW,
    TESTING,
    Campaign,
    Recipient,
)
from modules.marketing.sending.job import KIND

WATCH_AFTER = timedelta(minutes=2)


class NotNow(Exception):
    """The campaign is not in a state this action applies to (the words say why)."""


def _locked(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(campaign_id)
    hold_row_lock(campaign)
    return db.session.get(Campaign, campaign_id)


def hand_to_new_job(campaign: Campaign, user=None) -> Job:
    """A new job owns the campaign; the watch schedule looks within minutes."""
    schedules.wake("marketing.sending_watch", utcnow() + WATCH_AFTER)
    job = enqueue(KIND, f"Send campaign “{campaign.name}”", {"campaign_id": campaign.id, "retry_deferred": True},
                  user=user)
    campaign.job_id = job.id
    return job


def start(campaign_id: int, user=None) -> Campaign:
    """Begin sending a frozen campaign (the caller commits)."""
    campaign = _locked(campaign_id)
    campaign.status, campaign.started_at, campaign.paused_reason = SENDING, campaign.started_at or utcnow(), ""
    hand_to_new_job(campaign, user)
    return campaign


def pause(campaign_id: int, reason: str = "Paused by hand.") -> Campaign:
    campaign = _locked(campaign_id)
    if campaign.status != SENDING:
        raise NotNow("Only a campaign that is sending can be paused.")
    campaign.status, campaign.paused_reason, campaign.job_id = PAUSED, reason, None
    return campaign


def resume(campaign_id: int, user=None) -> Campaign:
    campaign = _locked(campaign_id)
    if campaign.status != PAUSED:
        raise NotNow("Only a paused campaign can be resumed.")
    campaign.status, campaign.paused_reason = SENDING, ""
    hand_to_new_job(campaign, user)
    return campaign


def cancel(campaign_id: int) -> Campaign:
    """Stop for good: what was sent stays sent, the rest is never sent."""
    campaign = _locked(campaign_id)
    if campaign.status not in (SENDING, PAUSED, TESTING, FREEZING):
        raise NotNow("Only a campaign that is sending, paused or waiting for its A/B winner can be cancelled here.")
    campaign.status, campaign.job_id, campaign.finished_at = CANCELLED, None, utcnow()
    return campaign


@dataclass(frozen=True)
class Progress:
    sent: int
    failed: int
    remaining: int
    rate: float  # messages per second over the last minute
    seconds_left: int | None
    waiting: str  # what the next job waits for ("Waiting for the hourly cap ..."), or ""
    prepared: int | None = None  # while the job freezes the audience: rows written so far

    @property
    def time_left(self) -> str:
        if self.waiting:
            return "after the wait"
        if self.seconds_left is None:
            return "unknown"
        minutes, seconds = divmod(self.seconds_left, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if hours else f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


RATE_WINDOW = timedelta(seconds=60)


def progress(campaign: Campaign) -> Progress:
    """Counts from the campaign's row; the rate from the rows sent in the
    last minute (at most a minute's worth of rows are counted)."""
    remaining = max(0, (campaign.recipients_total or 0) - campaign.sent_count - campaign.failed_count)
    since = utcnow() - RATE_WINDOW
    recent = 0
    if not (campaign.status == SENT and campaign.finished_at is not None and campaign.finished_at < since):
        # A campaign that finished more than a minute ago sent nothing since:
        # no need to look through its (maybe hundreds of thousands of) rows.
        recent = db.session.scalar(select(func.count()).select_from(Recipient).where(
            Recipient.campaign_id == campaign.id, Recipient.status == SENT_ROW, Recipient.sent_at >= since)) or 0
    first = campaign.started_at
    window = RATE_WINDOW.total_seconds()
    if first is not None and utcnow() - first < RATE_WINDOW:
        window = max(1.0, (utcnow() - first).total_seconds())
    rate = recent / window
    waiting = ""
    if campaign.status == SENDING and campaign.job_id:
        job = db.session.get(Job, campaign.job_id)
        if job is not None and job.status == Job.QUEUED:
            waiting = job.message or ""
    seconds_left = int(remaining / rate) if rate > 0 else (0 if remaining == 0 else None)
    prepared = None
    if campaign.status == FREEZING:
        from modules.marketing.freezing import written_so_far

        prepared = written_so_far(campaign.id) or 0
    return Progress(campaign.sent_count, campaign.failed_count, remaining, round(rate, 1), seconds_left, waiting,
                    prepared)
