"""Sequences built through the real services, contacts subscribed through
the real subscription service, and what arrived at the SMTP server."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from app import settings
from app.extensions import db
from app.models.base import utcnow
from modules.marketing import subscriptions
from modules.marketing.campaign_models import Sender
from modules.marketing.models import Topic
from modules.marketing.sequences import steps
from modules.marketing.sequences.models import ACTIVE, BY_HAND, Enrolment, Sequence

STEPS = [(0, "Welcome, {{ contact.first_name }}", "Hello {{ contact.first_name }}, welcome aboard."),
         (48, "How we help", "Dear {{ contact.first_name }}, here is what we do.")]


def make_sequence(app, *, trigger=BY_HAND, segment_id=None, step_list=STEPS, status=ACTIVE, topic_name="Newsletter",
                  **sending) -> tuple[int, int]:
    """(sequence id, topic id): a sequence of `step_list` (wait hours, subject, body)."""
    with app.app_context():
        if sending:
            settings.put("marketing", sending)
        topic = db.session.scalar(select(Topic).where(Topic.name == topic_name))
        if topic is None:
            topic = Topic(name=topic_name, slug=topic_name.lower().replace(" ", "-"), consent_wording="Yes")
            db.session.add(topic)
        sender = db.session.scalar(select(Sender).limit(1))
        if sender is None:
            sender = Sender(name="Friends of the Park", email="news@park.example.org", verified_at=utcnow())
            db.session.add(sender)
        db.session.flush()
        sequence = Sequence(name="Welcome series", topic_id=topic.id, sender_id=sender.id, trigger=trigger,
                            segment_id=segment_id, status=status)
        db.session.add(sequence)
        db.session.flush()
        for wait, subject, body in step_list:
            steps.add(sequence, wait_hours=wait, subject=subject, preheader="", body=body, format="markdown")
        db.session.commit()
        return sequence.id, topic.id


def people(app, n: int, topic_id: int | None, *, prefix="person", tags=()) -> list[int]:
    """`n` contacts prefix0..@example.org, subscribed to `topic_id` (when given)."""
    from tests.modules.marketing.campaign_helpers import person

    with app.app_context():
        ids = []
        topic = db.session.get(Topic, topic_id) if topic_id else None
        for i in range(n):
            contact = person(f"Name{i}", f"{prefix}{i}@example.org", tags=tags)
            if topic is not None:
                subscriptions.change(contact, topic, True, subscriptions.Origin(subscriptions.STAFF))
            ids.append(contact.id)
        db.session.commit()
        return ids


def enrol_at(app, sequence_id: int, contact_ids, entered_at: datetime) -> None:
    with app.app_context():
        for contact_id in contact_ids:
            db.session.add(Enrolment(sequence_id=sequence_id, contact_id=contact_id, source="test",
                                     entered_at=entered_at))
        db.session.commit()


def enrolments(app, sequence_id: int) -> dict[int, tuple[str, int, str]]:
    """{contact id: (status, steps sent, reason left)}."""
    with app.app_context():
        return {e.contact_id: (e.status, e.steps_sent, e.left_reason) for e in db.session.scalars(
            select(Enrolment).where(Enrolment.sequence_id == sequence_id))}


def deliveries(smtp) -> Counter:
    """How many messages each (address, subject) pair received."""
    out = Counter()
    for received, message in zip(smtp.inbox.received, smtp.inbox.messages, strict=True):
        for address in received.rcpt_tos:
            out[(address, str(message["Subject"]))] += 1
    return out


def send(app, now=None):
    from modules.marketing.sequences import sending

    with app.app_context():
        result = sending.send_due(now)
        db.session.remove()
        return result
