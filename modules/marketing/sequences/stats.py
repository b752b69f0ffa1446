"""What the sequence page shows: per step, how many got it and how many
are waiting for it; how many finished and left (by reason); the latest who
did. Grouped queries on the enrolment index, a bounded number per page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.models import Contact
from modules.marketing.sequences.models import FINISHED, IN_PROGRESS, LEFT, Enrolment, Sequence

LATEST = 25


@dataclass(frozen=True)
class StepCounts:
    step: object
    waiting: int  # in progress, this step next
    sent: int
    failed: int


@dataclass(frozen=True)
class Counts:
    steps: list[StepCounts]
    in_progress: int
    finished: int
    left: int
    left_by_reason: dict[str, int]


def counts(sequence: Sequence) -> Counts:
    at = dict(db.session.execute(select(Enrolment.steps_sent, func.count()).where(
        Enrolment.sequence_id == sequence.id, Enrolment.status == IN_PROGRESS).group_by(Enrolment.steps_sent)).all())
    ended = dict(db.session.execute(select(Enrolment.left_reason, func.count()).where(
        Enrolment.sequence_id == sequence.id, Enrolment.status == LEFT).group_by(Enrolment.left_reason)).all())
    finished = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.sequence_id == sequence.id, Enrolment.status == FINISHED)) or 0
    steps = [StepCounts(step, at.get(step.position - 1, 0), step.campaign.sent_count, step.campaign.failed_count)
             for step in sequence.steps]
    return Counts(steps, sum(at.values()), finished, sum(ended.values()), ended)


def latest(sequence: Sequence, status: str, limit: int = LATEST) -> list[tuple[Enrolment, Contact]]:
    order = Enrolment.entered_at.desc() if status == IN_PROGRESS else Enrolment.ended_at.desc()
    return list(db.session.execute(select(Enrolment, Contact).join(Contact, Contact.id == Enrolment.contact_id)
                                   .where(Enrolment.sequence_id == sequence.id, Enrolment.status == status)
                                   .order_by(order, Enrolment.id.desc()).limit(limit)).all())


def in_progress_by_sequence(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Enrolment.sequence_id, func.count()).where(
        Enrolment.sequence_id.in_(ids), Enrolment.status == IN_PROGRESS).group_by(Enrolment.sequence_id)).all())
