"""Each ticket's elapsed times, stored beside it: `response_us` and
`resolution_us`, the microseconds from created_at to first_responded_at and
to solved_at (NULL while there is none). The response and resolution times
report takes its medians as the middle rows of the indexes over them
(models.py, reports/times.py) instead of reading and sorting every ticket
of its range: 1.7 s at 500,000 tickets. Whole microseconds, the datetimes'
own precision, so the medians are exact, rounded only when shown.

Every ticket write goes through the ORM (a Core UPDATE of tickets touches
none of the three times: contact merge and erasure), so a `before_flush`
listener sets both on each new ticket and on each one whose times changed,
in the same flush. The seed inserts tickets in bulk and computes them with
`elapsed_us`. `rebuild()` (`flask reports rebuild`) sets any that differ
from their times; `in_step()` compares."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk.models import Ticket

TIMES = ("created_at", "first_responded_at", "solved_at")
CHUNK = 5_000
_MICROSECOND = timedelta(microseconds=1)


def elapsed_us(later: datetime | None, earlier: datetime | None) -> int | None:
    """Whole microseconds from `earlier` to `later` (exact), None when either is missing."""
    if later is None or earlier is None:
        return None
    return (later - earlier) // _MICROSECOND


def expected(created_at, first_responded_at, solved_at) -> tuple[int | None, int | None]:
    return elapsed_us(first_responded_at, created_at), elapsed_us(solved_at, created_at)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    for ticket in (*session.new, *session.dirty):
        if not isinstance(ticket, Ticket):
            continue
        if ticket in session.new:
            if ticket.created_at is None:  # the column default, taken now so the times can count from it
                ticket.created_at = utcnow()
        elif not any(inspect(ticket).attrs[name].history.has_changes() for name in TIMES):
            continue
        response, resolution = expected(ticket.created_at, ticket.first_responded_at, ticket.solved_at)
        if ticket.response_us != response:
            ticket.response_us = response
        if ticket.resolution_us != resolution:
            ticket.resolution_us = resolution


def _stale():
    """(id, response_us, resolution_us) of each ticket whose stored times are not what its datetimes say."""
    rows = db.session.execute(select(Ticket.id, Ticket.created_at, Ticket.first_responded_at, Ticket.solved_at,
                                     Ticket.response_us, Ticket.resolution_us).execution_options(yield_per=CHUNK))
    for ticket_id, created, responded, solved, response, resolution in rows:
        should = expected(created, responded, solved)
        if should != (response, resolution):
            yield ticket_id, *should


def in_step() -> bool:
    return next(_stale(), None) is None


def rebuild() -> int:
    """Set every ticket's times from its datetimes; returns how many tickets have a time."""
    db.session.flush()
    stale = [{"ticket_id": i, "response_us": r, "resolution_us": s} for i, r, s in _stale()]
    table = Ticket.__table__
    for start in range(0, len(stale), CHUNK):
        db.session.execute(update(table).where(table.c.id == bindparam("ticket_id"))
                           .values(response_us=bindparam("response_us"), resolution_us=bindparam("resolution_us")),
                           stale[start:start + CHUNK])
    db.session.expire_all()  # loaded tickets may hold the old times
    return db.session.scalar(select(func.count()).select_from(Ticket).where(
        (Ticket.response_us.is_not(None)) | (Ticket.resolution_us.is_not(None))))
