"""Sequences and their steps as stored: each step's text is a carrier
campaign (status "sequence") that follows the sequence's name, topic,
sender and layout."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.extensions import db
from app.models.base import utcnow
from modules.marketing.campaign_models import SEQUENCE_STEP, Campaign
from modules.marketing.sequences.models import FINISHED, IN_PROGRESS, Enrolment, Sequence, Step


def _carrier_name(sequence: Sequence, position: int) -> str:
    return f"{sequence.name} · step {position}"[:200]


def sync(sequence: Sequence) -> None:
    """The carriers follow the sequence (after its settings changed)."""
    for step in sequence.steps:
        c = step.campaign
        c.name = _carrier_name(sequence, step.position)
        c.topic_id, c.sender_id, c.layout_id = sequence.topic_id, sequence.sender_id, sequence.layout_id


def add(sequence: Sequence, *, wait_hours: int, subject: str, preheader: str, body: str, format: str,
        user=None) -> Step:
    position = len(sequence.steps) + 1
    campaign = Campaign(name=_carrier_name(sequence, position), subject=subject, preheader=preheader or "",
                        body=body, format=format, topic_id=sequence.topic_id, sender_id=sequence.sender_id,
                        layout_id=sequence.layout_id, status=SEQUENCE_STEP, audience={}, excluded={},
                        created_by_id=getattr(user, "id", None))
    db.session.add(campaign)
    db.session.flush()
    step = Step(sequence=sequence, position=position, wait_hours=wait_hours, campaign_id=campaign.id)
    db.session.add(step)
    db.session.flush()
    return step


def change(step: Step, *, wait_hours: int, subject: str, preheader: str, body: str, format: str) -> None:
    step.wait_hours = wait_hours
    c = step.campaign
    c.subject, c.preheader, c.body, c.format = subject, preheader or "", body, format


def remove(step: Step) -> None:
    """Take a step out; the steps after it move up. Whoever has had it keeps
    their place (the next step they get is the same message as before).
    Its carrier campaign stays, with the messages it sent, for the counts."""
    sequence_id, position = step.sequence_id, step.position
    db.session.delete(step)
    db.session.flush()
    later = db.session.scalars(select(Step).where(Step.sequence_id == sequence_id, Step.position > position)
                               .order_by(Step.position)).all()
    for s in later:  # one by one, upwards: each frees the place the next moves into
        db.session.execute(update(Step).where(Step.id == s.id).values(position=s.position - 1))
    db.session.execute(update(Enrolment).where(Enrolment.sequence_id == sequence_id, Enrolment.steps_sent >= position)
                       .values(steps_sent=Enrolment.steps_sent - 1).execution_options(synchronize_session=False))
    left = db.session.scalar(select(func.count()).select_from(Step).where(Step.sequence_id == sequence_id))
    db.session.execute(update(Enrolment).where(Enrolment.sequence_id == sequence_id, Enrolment.status == IN_PROGRESS,
                                               Enrolment.steps_sent >= left)
                       .values(status=FINISHED, ended_at=utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()
