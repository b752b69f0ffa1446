"""Entering and leaving sequences: the one place that writes enrolments.

`enter` adds contacts to a sequence once each (the unique constraint
decides; a second trigger for the same contact changes nothing). Only
contacts subscribed to the sequence's topic enter: consent follows the
topic. `leave` ends enrolments still in progress with a reason; `remove`
and `undo_remove` are the staff's hand, `merge` and `erase` the contact
hooks'. Callers commit.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from app import schedules
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import Contact
from modules.marketing.models import SUBSCRIBED, Subscription
from modules.marketing.sequences.models import ACTIVE, IN_PROGRESS, LEFT, Enrolment, Sequence

DUE_SCHEDULE = "marketing.sequence_steps"


def subscribed_condition(sequence: Sequence, contact_id_column):
    return exists().where(Subscription.contact_id == contact_id_column, Subscription.topic_id == sequence.topic_id,
                          Subscription.status == SUBSCRIBED)


def enter_one(sequence: Sequence, contact_id: int, source: str) -> bool:
    """Enrol one contact (from a signal, inside the caller's transaction):
    True when they entered now. A savepoint keeps a lost race harmless."""
    if sequence.status != ACTIVE or sequence.topic_id is None or not sequence.steps:
        return False
    eligible = db.session.scalar(select(Contact.id).where(
        Contact.id == contact_id, Contact.deleted_at.is_(None), subscribed_condition(sequence, Contact.id)))
    if eligible is None:
        return False
    if db.session.scalar(select(Enrolment.id).where(Enrolment.sequence_id == sequence.id,
                                                    Enrolment.contact_id == contact_id)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Enrolment(sequence_id=sequence.id, contact_id=contact_id, source=source,
                                     entered_at=utcnow()))
    except IntegrityError:
        return False
    schedules.wake(DUE_SCHEDULE)
    return True


def enter_many(sequence: Sequence, contact_ids_select, source: str) -> int:
    """Enrol every contact of `contact_ids_select` (a SELECT of ids) not yet
    enrolled, in one INSERT ... SELECT; returns how many entered. Two runs
    at once: the unique constraint stops the second (it rolls back, the
    next run finds nobody left)."""
    if sequence.status != ACTIVE or sequence.topic_id is None or not sequence.steps:
        return 0
    ids = contact_ids_select.subquery()
    already = exists().where(Enrolment.sequence_id == sequence.id, Enrolment.contact_id == Contact.id)
    now = utcnow()
    chosen = (select(literal(sequence.id), Contact.id, literal(IN_PROGRESS), literal(0), literal(source),
                     literal(now, Enrolment.entered_at.type), literal(""))
              .where(Contact.id.in_(select(ids.c[0])), Contact.deleted_at.is_(None),
                     subscribed_condition(sequence, Contact.id), ~already))
    # RETURNING counts the rows on every database (an INSERT ... SELECT's
    # rowcount is not reported by every driver).
    count = len(db.session.execute(insert(Enrolment.__table__).from_select(
        ["sequence_id", "contact_id", "status", "steps_sent", "source", "entered_at", "left_reason"], chosen)
        .returning(Enrolment.__table__.c.id)).all())
    if count:
        schedules.wake(DUE_SCHEDULE)
    return count


def leave(condition, reason: str) -> int:
    """End the enrolments in progress matching `condition`; how many left."""
    return db.session.execute(update(Enrolment).where(condition, Enrolment.status == IN_PROGRESS)
                              .values(status=LEFT, left_reason=reason, ended_at=utcnow(), claim=None)
                              .execution_options(synchronize_session=False)).rowcount or 0


def leave_topic(contact_id: int, topic_id: int, reason: str = "unsubscribed") -> int:
    in_topic = select(Sequence.id).where(Sequence.topic_id == topic_id)
    return leave(and_(Enrolment.contact_id == contact_id, Enrolment.sequence_id.in_(in_topic)), reason)


def remove(enrolment: Enrolment) -> bool:
    """Staff take a contact out of a sequence; undo puts them back where they were."""
    return bool(leave(Enrolment.id == enrolment.id, "removed"))


def undo_remove(enrolment: Enrolment) -> bool:
    done = db.session.execute(update(Enrolment).where(
        Enrolment.id == enrolment.id, Enrolment.status == LEFT, Enrolment.left_reason == "removed")
        .values(status=IN_PROGRESS, left_reason="", ended_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if done:
        schedules.wake(DUE_SCHEDULE)
    return bool(done)


def merge(survivor_id: int, merged_id: int) -> None:
    """The merged contact's enrolments move to the survivor, except where the
    survivor is in that sequence already: then the survivor's stays, and
    the merged one's goes (it would be a second pass through it)."""
    theirs = select(Enrolment.sequence_id).where(Enrolment.contact_id == survivor_id).scalar_subquery()
    db.session.execute(delete(Enrolment).where(Enrolment.contact_id == merged_id, Enrolment.sequence_id.in_(theirs))
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Enrolment).where(Enrolment.contact_id == merged_id).values(contact_id=survivor_id)
                       .execution_options(synchronize_session=False))


def erase(contact_id: int) -> None:
    leave(Enrolment.contact_id == contact_id, "erased")
