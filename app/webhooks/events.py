"""From a module's domain signal to stored deliveries, in the transaction of
the change: the outbox. A crash before the commit loses the change and its
event together; after it, both are stored, and the delivery job (queued as
the transaction commits) or the sweep sends it. Nothing is stored for an
event type no active endpoint wants, so an import of a million contacts
costs one small query per transaction when nobody listens.

The body is built once, here, and sent as stored:

    {"id": "msg_...", "type": "contact.created", "timestamp": "2026-12-07T02:30:00Z",
     "data": {"id": 42, "contact_id": 42, ...}}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import refs
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow

_WANTED = "steward_webhooks_wanted"  # session.info: {type: [endpoint ids]} for this transaction
_NEW = "steward_webhooks_new"  # session.info: deliveries to queue when the transaction commits
_receivers: dict[int, object] = {}  # id(signal) -> receiver, connected once per process


@dataclass(frozen=True)
class Occurrence:
    """One event a payload function found in a signal: the record it is
    about, its contact (deliveries for one contact go in order; None: no
    order), and the JSON-able `data`, which always holds the record's `id`."""

    record_id: int | None
    data: dict
    contact_id: int | None = None


def listen(state) -> None:
    """Connect the enabled event types' signals (at start-up). A signal is
    connected once per process; the receiver asks the current app which of
    its enabled types the signal stands for, so a disabled module's events
    are never stored."""
    for declared in state.webhook_events.values():
        if declared.signal is None:
            continue
        signal = refs.resolve(declared.signal)
        if id(signal) in _receivers:
            continue

        def receiver(sender, _signal=signal, **kwargs):
            _received(_signal, sender, kwargs)

        signal.connect(receiver, weak=False)
        _receivers[id(signal)] = receiver


def _received(signal, sender, kwargs: dict) -> None:
    if not has_app_context() or "steward" not in current_app.extensions:
        return
    for declared in current_app.extensions["steward"].webhook_events.values():
        if declared.signal is None or refs.resolve(declared.signal) is not signal:
            continue
        if declared.erases or declared.type in wanted():
            try:
                found = declared.payload(sender, **kwargs) if declared.payload is not None else None
            except Exception:  # a payload bug must not stop the user's change; it is logged loudly
                current_app.logger.exception("webhooks: the payload of %s failed; the event is not sent",
                                             declared.type)
                continue
            emit(declared.type, found or ())


def emit(type_: str, occurrences: Iterable[Occurrence] | Occurrence) -> list[WebhookMessage]:
    """Store the events and their deliveries in the caller's transaction
    (they are queued when it commits). For code that learns of an event
    itself, such as an integration recording a refund; the type must be
    declared by an enabled module (Module.webhook_events)."""
    declared = current_app.extensions["steward"].webhook_events.get(type_)
    if declared is None:
        raise LookupError(f"no enabled module declares the webhook event {type_!r}")
    if isinstance(occurrences, Occurrence):
        occurrences = [occurrences]
    occurrences = list(occurrences)
    if declared.erases:
        strip_contacts([o.contact_id for o in occurrences if o.contact_id is not None])
    endpoints = wanted().get(type_)
    if not endpoints or not occurrences:
        return []
    now = utcnow()
    messages = []
    pending = db.session.info.setdefault(_NEW, [])
    for occurrence in occurrences:
        uid = f"msg_{uuid.uuid4().hex}"
        message = WebhookMessage(uid=uid, type=type_, record_id=occurrence.record_id,
                                 contact_id=occurrence.contact_id, created_at=now,
                                 payload=body(uid, type_, now, occurrence.data))
        db.session.add(message)
        messages.append(message)
        for endpoint_id in endpoints:
            delivery = WebhookDelivery(endpoint_id=endpoint_id, message=message, contact_id=occurrence.contact_id,
                                       status=WebhookDelivery.PENDING, attempts=0, next_attempt_at=now,
                                       last_error="", created_at=now)
            db.session.add(delivery)
            pending.append(delivery)
    return messages


def body(uid: str, type_: str, at, data: dict) -> str:
    return json.dumps({"id": uid, "type": type_, "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": data},
                      separators=(",", ":"), default=str)


def erased_data(record_id, contact_id: int) -> dict:
    """What is left of any event about an erased contact."""
    return {"id": record_id, "contact_id": contact_id, "erased": True}


def strip_contacts(contact_ids: list[int]) -> int:
    """Rewrite the stored payloads of these contacts' earlier events to ids
    only (their data is personal); waiting deliveries then send that. One
    indexed query per 500 contacts (an undone import purges thousands)."""
    count = 0
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start:start + 500]
        for message in db.session.scalars(select(WebhookMessage).where(WebhookMessage.contact_id.in_(chunk))):
            stored = json.loads(message.payload)
            if stored.get("data", {}).get("erased"):
                continue
            stored["data"] = erased_data(message.record_id, message.contact_id)
            message.payload = json.dumps(stored, separators=(",", ":"))
            count += 1
    return count


def wanted() -> dict[str, list[int]]:
    """{event type: ids of the active endpoints that want it}, read once per transaction."""
    cached = db.session.info.get(_WANTED)
    if cached is None:
        cached = {}
        rows = db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events)
                                  .where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id))
        for endpoint_id, events in rows:
            for type_ in json.loads(events or "[]"):
                cached.setdefault(type_, []).append(endpoint_id)
        db.session.info[_WANTED] = cached
    return cached


def forget_wanted() -> None:
    """After endpoints change in this transaction."""
    db.session.info.pop(_WANTED, None)


def queue_deliveries(deliveries: list[WebhookDelivery]) -> None:
    """Queue these (new, replayed or re-enabled) deliveries when the transaction commits."""
    db.session.info.setdefault(_NEW, []).extend(deliveries)


@sa_event.listens_for(Session, "before_commit")
def _queue_new(session) -> None:
    deliveries = session.info.pop(_NEW, None)
    if not deliveries:
        return
    from app.webhooks.delivery import enqueue_ids
    from app.webhooks.sweep import soon

    session.flush()
    by_endpoint: dict[int, list[int]] = {}
    for delivery in deliveries:
        by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery.id)
    for ids in by_endpoint.values():
        enqueue_ids(ids)
    soon(utcnow())


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    session.info.pop(_WANTED, None)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_WANTED, None)
    session.info.pop(_NEW, None)
