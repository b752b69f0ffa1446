"""The delivery job: send waiting deliveries, one endpoint's per job, in
order per contact, and decide what each answer means.

- 2xx: delivered.
- 410 Gone: given up, and the endpoint is disabled at once.
- anything else, a timeout, a refused connection: tried again after
  RETRY_DELAYS (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight tries over
  about 27 hours), then given up.
- an endpoint failing every attempt for DISABLE_AFTER, or with
  DISABLE_AFTER_GIVEN_UP deliveries given up in a row, is disabled, and its
  contact is emailed through the core mail service.

Delivery is at least once: a worker killed after the receiver answered
and before the commit sends it again (receivers de-duplicate by
`webhook-id`). A delivery is claimed (`locked_until`) before it is sent, so
two jobs never send it at once. A later delivery for the same contact and
endpoint waits while an earlier one is still waiting (delivered or given
up, it is sent straight after, in the same job).
"""

from __future__ import annotations

import math
from collections import deque
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app import audit
from app.extensions import db
from app.jobs import enqueue
from app.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow
from app.webhooks import sender, signing

KIND = "core.deliver_webhooks"
BATCH = 200
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)  # seconds after each failed try
DISABLE_AFTER = timedelta(hours=24)
DISABLE_AFTER_GIVEN_UP = 5
LEASE = timedelta(minutes=2)  # a claim older than this belongs to a sender that died
TIMEOUT = 5.0  # connect and each read
DEADLINE = 15.0  # the whole exchange


def _config(name: str, default):
    return current_app.config.get(f"WEBHOOK_{name}", default)


def enqueue_ids(ids: list[int], delay: timedelta | None = None) -> None:
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        enqueue(KIND, f"Send {len(chunk)} webhook(s)", {"ids": chunk}, delay=delay)


def deliver(job, ids: list[int]) -> dict:
    """The job: try each due delivery once; those that must wait get a job of their own for later."""
    todo, seen = deque(sorted(ids)), set()
    counts = {"delivered": 0, "retrying": 0, "given_up": 0, "waiting": 0}
    later: dict[int, list[int]] = {}
    while todo:
        delivery_id = todo.popleft()
        if delivery_id in seen:
            continue
        seen.add(delivery_id)
        outcome, delivery = attempt(delivery_id)
        if outcome in counts:
            counts[outcome] += 1
        if outcome in ("retrying", "early"):
            wait = max(0, math.ceil((delivery.next_attempt_at - utcnow()).total_seconds()))
            later.setdefault(wait, []).append(delivery_id)
        if outcome in ("delivered", "given_up"):
            successor = next_in_line(delivery)
            if successor is not None and successor not in seen:
                todo.appendleft(successor)
    for wait, waiting in later.items():
        enqueue_ids(waiting, delay=timedelta(seconds=wait))
    db.session.commit()
    return counts


def next_in_line(delivery: WebhookDelivery) -> int | None:
    """The earliest waiting delivery for the same endpoint and contact."""
    if delivery.contact_id is None:
        return None
    return db.session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == delivery.endpoint_id, WebhookDelivery.contact_id == delivery.contact_id,
        WebhookDelivery.status == WebhookDelivery.PENDING, WebhookDelivery.id > delivery.id)
        .order_by(WebhookDelivery.id).limit(1))


def _blocked(delivery: WebhookDelivery) -> bool:
    if delivery.contact_id is None:
        return False
    return db.session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == delivery.endpoint_id, WebhookDelivery.contact_id == delivery.contact_id,
        WebhookDelivery.status == WebhookDelivery.PENDING, WebhookDelivery.id < delivery.id).limit(1)) is not None


def _claim(delivery_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == WebhookDelivery.PENDING,
        (WebhookDelivery.locked_until.is_(None)) | (WebhookDelivery.locked_until < now))
        .values(locked_until=now + LEASE).execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def attempt(delivery_id: int) -> tuple[str, WebhookDelivery | None]:
    """Send one delivery if it is due and first in line; what happened."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != WebhookDelivery.PENDING:
        return "done", delivery
    endpoint = delivery.endpoint
    if not endpoint.active:
        return "waiting", delivery  # sent when the endpoint is enabled again
    if delivery.next_attempt_at and delivery.next_attempt_at > utcnow():
        return "early", delivery  # not due (a job that ran early): asked again when it is
    if _blocked(delivery):
        return "waiting", delivery  # sent when the earlier one is delivered or given up
    if not _claim(delivery_id):
        return "waiting", delivery
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint, message = delivery.endpoint, delivery.message
    now = utcnow()
    payload = message.payload.encode()
    answer = sender.post(endpoint.url, payload, signing.headers(endpoint, message.uid, payload, now),
                         timeout=_config("TIMEOUT", TIMEOUT), deadline=_config("DEADLINE", DEADLINE))
    return _record(delivery, endpoint, answer, now), delivery


def _record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, answer: sender.Answer, started) -> str:
    db.session.add(WebhookAttempt(delivery_id=delivery.id, started_at=started, duration_ms=answer.duration_ms,
                                  status_code=answer.status, error=answer.error, response_body=answer.body))
    now = utcnow()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = answer.status, answer.error
    delivery.locked_until = None
    if answer.status is not None and 200 <= answer.status < 300:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = WebhookDelivery.DELIVERED, now, None
        endpoint.failing_since, endpoint.given_up_in_a_row = None, 0
        db.session.commit()
        return "delivered"
    if answer.status == 410:
        _give_up(delivery, endpoint, now)
        disable(endpoint, "The endpoint answered 410 Gone: it says it is gone for good.")
        db.session.commit()
        return "given_up"
    if endpoint.failing_since is None:
        endpoint.failing_since = started
    delays = _config("RETRY_DELAYS", RETRY_DELAYS)
    if delivery.attempts > len(delays):
        _give_up(delivery, endpoint, now)
        outcome = "given_up"
    else:
        delivery.next_attempt_at = now + timedelta(seconds=delays[delivery.attempts - 1])
        outcome = "retrying"
    if endpoint.active:
        disable_after = _config("DISABLE_AFTER", DISABLE_AFTER)
        if now - endpoint.failing_since >= disable_after:
            disable(endpoint, f"Every attempt failed for {_span(disable_after)} (since "
                              f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC); the last: {_said(answer)}.")
        elif endpoint.given_up_in_a_row >= _config("DISABLE_AFTER_GIVEN_UP", DISABLE_AFTER_GIVEN_UP):
            disable(endpoint, f"{endpoint.given_up_in_a_row} deliveries in a row were given up; "
                              f"the last: {_said(answer)}.")
    db.session.commit()
    return outcome


def _give_up(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now) -> None:
    delivery.status, delivery.finished_at, delivery.next_attempt_at = WebhookDelivery.GIVEN_UP, now, None
    endpoint.given_up_in_a_row += 1


def _said(answer: sender.Answer) -> str:
    if answer.status is not None:
        return f"HTTP {answer.status}" + (f" ({answer.error})" if answer.error else "")
    return answer.error or "no answer"


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hours" if hours >= 1 else f"{delta.total_seconds():g} seconds"


def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to the endpoint (its waiting deliveries wait) and tell its contact by email."""
    from app import mail

    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = False, reason, utcnow()
    audit.record(audit.UPDATE, endpoint, summary=f"Disabled the webhook endpoint {endpoint.url}: {reason}",
                 changes={"active": (True, False)}, actor="webhooks")
    recipient = endpoint.notify_email or _creator_email(endpoint)
    if recipient:
        base = current_app.config.get("BASE_URL", "").rstrip("/")
        mail.send(recipient, f"Webhook endpoint disabled: {endpoint.url}"[:200],
                  f"Steward stopped sending webhooks to\n\n  {endpoint.url}\n\n{reason}\n\n"
                  "The events that were waiting are kept. Once the receiver works again, enable the endpoint "
                  "in Admin → Webhooks and they are sent, oldest first:\n\n"
                  f"  {base}/admin/webhooks/{endpoint.id}\n", category="webhooks")


def _creator_email(endpoint: WebhookEndpoint) -> str:
    from app.models import User

    user = db.session.get(User, endpoint.created_by_id) if endpoint.created_by_id else None
    return user.email if user is not None else ""


def enable(endpoint: WebhookEndpoint) -> int:
    """Start sending again, the waiting deliveries first; how many wait."""
    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = True, "", None
    endpoint.failing_since, endpoint.given_up_in_a_row = None, 0
    from app.webhooks.events import queue_deliveries

    waiting = list(db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == WebhookDelivery.PENDING)
        .order_by(WebhookDelivery.id)))
    for delivery in waiting:
        delivery.next_attempt_at = utcnow()
    queue_deliveries(waiting)
    return len(waiting)


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event (same id and body) to the same endpoint again, as a new delivery."""
    from app.webhooks.events import queue_deliveries

    now = utcnow()
    again = WebhookDelivery(endpoint_id=delivery.endpoint_id, message_id=delivery.message_id,
                            contact_id=delivery.contact_id, status=WebhookDelivery.PENDING, attempts=0,
                            next_attempt_at=now, last_error="", replay_of_id=delivery.id, created_at=now)
    db.session.add(again)
    queue_deliveries([again])
    return again


def send_test(endpoint: WebhookEndpoint, org_name: str) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint only, whatever it subscribed to."""
    import uuid

    from app.webhooks.events import body, queue_deliveries

    now = utcnow()
    uid = f"msg_{uuid.uuid4().hex}"
    message = WebhookMessage(uid=uid, type="webhook.test", record_id=None, contact_id=None, created_at=now,
                             payload=body(uid, "webhook.test", now, {"id": None, "object": "test",
                                                                     "message": f"A test from {org_name}"}))
    delivery = WebhookDelivery(endpoint_id=endpoint.id, message=message, contact_id=None,
                               status=WebhookDelivery.PENDING, attempts=0, next_attempt_at=now, last_error="",
                               created_at=now)
    db.session.add_all([message, delivery])
    queue_deliveries([delivery])
    return delivery
