"""The recurring schedule "marketing.scheduled_campaigns": starts every
campaign whose scheduled time has come (freezes its audience and queues
its sending job), then says when the next one is due, so the worker sleeps
till then. The database holds the schedule (Campaign.status "scheduled"
and scheduled_at): a restart loses nothing; scheduling a campaign calls
`schedules.wake` so an earlier time is seen at once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models.base import utcnow
from app.schedules import Ran
from modules.marketing.campaign_models import DRAFT, SCHEDULED, Campaign

log = logging.getLogger(__name__)
NAME = "marketing.scheduled_campaigns"


def run(now: datetime | None = None) -> Ran:
    from modules.marketing import checklist, freezing

    now = now or utcnow()
    due = db.session.scalars(select(Campaign.id).where(Campaign.status == SCHEDULED, Campaign.scheduled_at <= now)
                             .order_by(Campaign.scheduled_at, Campaign.id)).all()
    started = 0
    for campaign_id in due:
        # Locked and read again: a cancel at the same moment wins or loses whole.
        campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
        if campaign is None or campaign.status != SCHEDULED:
            continue
        try:
            failing = [item.problem for item in checklist.run(campaign) if not item.ok]
            if failing:  # changed since it was scheduled (a sender deleted, a segment emptied)
                raise ValueError(" ".join(failing))
            freezing.start_sending(campaign)
            db.session.commit()
            started += 1
        except Exception as error:  # one campaign's failure must not hold the others back
            db.session.rollback()
            log.exception("Scheduled campaign %s could not start", campaign_id)
            db.session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == SCHEDULED)
                               .values(status=DRAFT, scheduled_at=None,
                                       paused_reason=f"It could not start at its scheduled time: {error}"[:2000]))
            db.session.commit()
    next_at = db.session.scalar(select(func.min(Campaign.scheduled_at)).where(Campaign.status == SCHEDULED))
    if next_at is None:  # nothing scheduled: look once a day (scheduling one wakes this at once)
        next_at = now + timedelta(days=1)
    return Ran(f"Started {started} scheduled campaign{'' if started == 1 else 's'}", next_at)
