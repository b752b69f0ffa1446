"""The safety net: deliveries whose job was lost (Redis emptied, a job
row failed) are queued again. Only those first in line for their contact,
on an active endpoint, due for a while and not claimed by a sender.
It also forgets events older than KEEP (30 days) that nothing waits
for, with their deliveries and attempts, so the log does not grow for ever."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import aliased

from app import schedules
from app.extensions import db
from app.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow
from app.schedules import Ran
from app.webhooks.delivery import enqueue_ids

NAME = "core.webhooks"
GRACE = timedelta(minutes=5)  # a due delivery's own job normally runs well within this
LIMIT = 2000
IDLE = timedelta(days=1)
KEEP = timedelta(days=30)


def soon(now) -> None:
    """New deliveries are waiting: look in a while in case their job is lost
    (one conditional UPDATE; nothing when the sweep already looks sooner)."""
    schedules.wake(NAME, now + GRACE + timedelta(minutes=1))


def stranded(now):
    earlier = aliased(WebhookDelivery)
    ahead = exists().where(earlier.endpoint_id == WebhookDelivery.endpoint_id,
                           earlier.contact_id == WebhookDelivery.contact_id,
                           earlier.status == WebhookDelivery.PENDING, earlier.id < WebhookDelivery.id)
    return (select(WebhookDelivery.endpoint_id, WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == WebhookDelivery.PENDING, WebhookEndpoint.active.is_(True),
                   WebhookDelivery.next_attempt_at <= now - GRACE,
                   (WebhookDelivery.locked_until.is_(None)) | (WebhookDelivery.locked_until < now),
                   ~ahead)
            .order_by(WebhookDelivery.id).limit(LIMIT))


def prune(now) -> int:
    """Delete old events none of whose deliveries waits, with their deliveries and attempts."""
    keep = current_app.config.get("WEBHOOK_KEEP", KEEP)
    waiting = exists().where(WebhookDelivery.message_id == WebhookMessage.id,
                             WebhookDelivery.status == WebhookDelivery.PENDING)
    old = select(WebhookMessage.id).where(WebhookMessage.created_at < now - keep, ~waiting).limit(LIMIT)
    ids = list(db.session.scalars(old))
    if ids:
        db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(
            select(WebhookDelivery.id).where(WebhookDelivery.message_id.in_(ids)))))
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.message_id.in_(ids)))
        db.session.execute(delete(WebhookMessage).where(WebhookMessage.id.in_(ids)))
    return len(ids)


def sweep() -> Ran:
    now = utcnow()
    pruned = prune(now)
    by_endpoint: dict[int, list[int]] = {}
    for endpoint_id, delivery_id in db.session.execute(stranded(now)):
        by_endpoint.setdefault(endpoint_id, []).append(delivery_id)
    for ids in by_endpoint.values():
        enqueue_ids(ids)
    db.session.commit()
    count = sum(len(ids) for ids in by_endpoint.values())
    waiting = db.session.scalar(select(func.min(WebhookDelivery.next_attempt_at)).join(WebhookEndpoint).where(
        WebhookDelivery.status == WebhookDelivery.PENDING, WebhookEndpoint.active.is_(True)))
    # Nothing waiting: look once a day (an idle worker stays light; new
    # deliveries wake it, see `soon`); else when the earliest could be stranded.
    next_at = now + IDLE if waiting is None else max(waiting + GRACE, now + timedelta(minutes=1))
    summary = f"queued {count} stranded webhook deliveries" if count else "no stranded webhook deliveries"
    return Ran(summary + (f"; forgot {pruned} old event(s)" if pruned else ""), next_at)
