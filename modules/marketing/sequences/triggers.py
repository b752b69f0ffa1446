"""How contacts enter sequences, and leave them when they unsubscribe.

- joining a segment: the schedule "marketing.sequence_segments" enrols the
  segment's members who are not enrolled yet (everyone in it when the
  sequence is switched on, then whoever joins);
- confirming a sign-up: marketing's own `signup_confirmed` signal;
- a gift (any, or the donor's first): pipeline's named blinker signal
  "pipeline-gift-recorded", listened to by name, so marketing works with
  pipeline disabled and never imports it;
- unsubscribing from the topic: `subscription_changed` ends the enrolments
  in that topic's sequences at once (the sender also checks before each step).

Listeners run inside the caller's transaction and never commit. Blinker
signals are process-wide: a listener does nothing in an app where
marketing is not enabled."""

from __future__ import annotations

from datetime import timedelta

import blinker
from flask import current_app, has_app_context
from sqlalchemy import func, select

from app.extensions import db
from app.models.base import utcnow
from app.schedules import Ran
from modules.contacts.lists import segments
from modules.contacts.models import Segment
from modules.marketing import signals
from modules.marketing.sequences import enrol
from modules.marketing.sequences.models import ACTIVE, ANY_GIFT, FIRST_GIFT, SEGMENT, SIGNUP, Sequence

SEGMENT_SCHEDULE = "marketing.sequence_segments"


def _enabled() -> bool:
    if not has_app_context():
        return False
    state = current_app.extensions.get("steward")
    return state is not None and any(m.name == "marketing" for m in state.enabled)


def _active(trigger: str, topic_id: int | None = None) -> list[Sequence]:
    stmt = select(Sequence).where(Sequence.status == ACTIVE, Sequence.trigger == trigger)
    if topic_id is not None:
        stmt = stmt.where(Sequence.topic_id == topic_id)
    return list(db.session.scalars(stmt.order_by(Sequence.id)))


def on_signup_confirmed(contact, topic=None, **_):
    if not _enabled() or topic is None:
        return
    for sequence in _active(SIGNUP, topic.id):
        enrol.enter_one(sequence, contact.id, "sign-up")


def on_subscription_changed(contact, topic=None, subscribed=True, **_):
    if _enabled() and topic is not None and not subscribed:
        enrol.leave_topic(contact.id, topic.id)


def on_gift_recorded(gift, **_):
    """Sender: pipeline's Gift. "First gift": the donor now has exactly one
    (counted on the gift's own model, which the signal hands us)."""
    if not _enabled() or getattr(gift, "contact_id", None) is None:
        return
    sequences = _active(ANY_GIFT)
    first = _active(FIRST_GIFT)
    if first:
        model = type(gift)
        db.session.flush()
        if db.session.scalar(select(func.count()).select_from(model).where(model.contact_id == gift.contact_id)) == 1:
            sequences += first
    for sequence in sequences:
        enrol.enter_one(sequence, gift.contact_id, "first gift" if sequence.trigger == FIRST_GIFT else "gift")


def check_segments() -> Ran:
    """The schedule: enrol who joined each active sequence's segment. With
    none, it looks again in an hour (switching one on wakes it), so an idle
    worker is not made to load the app every five minutes."""
    entered = 0
    active = _active(SEGMENT)
    if not active:
        return Ran("No active sequence enrols from a segment", utcnow() + timedelta(hours=1))
    for sequence in active:
        segment = db.session.get(Segment, sequence.segment_id) if sequence.segment_id else None
        if segment is None:
            continue
        try:
            with db.session.begin_nested():
                entered += enrol.enter_many(sequence, segments.contact_ids_select(segment), "segment")
        except Exception:  # noqa: BLE001 - a race with another run, or a rule that cannot run: next time
            current_app.logger.exception("sequence %s: could not check its segment", sequence.id)
        db.session.commit()
    return Ran(f"{entered} contact{'' if entered == 1 else 's'} entered sequences")


signals.signup_confirmed.connect(on_signup_confirmed)
signals.subscription_changed.connect(on_subscription_changed)
blinker.signal("pipeline-gift-recorded").connect(on_gift_recorded)
