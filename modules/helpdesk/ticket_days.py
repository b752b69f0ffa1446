"""The ticket reports' rollup: per UTC day of creation, team and channel,
the tickets created, how many are solved, and their SLA targets and how
many were met (helpdesk_ticket_day). Ticket volume reads it instead of
every ticket of the range: a few thousand rows a year, where a busy desk
has hundreds of thousands of tickets. The response and resolution times
report reads its counts and shares here, and how many tickets of each team
have a response and a resolution, which says which row of the times'
indexes is the median (ticket_times.py).

Every ticket write goes through the ORM, so one flush listener keeps both
in step in the writer's transaction: it takes out what a changed ticket
counted for before (its loaded values; the columns involved keep their old
value on change, `active_history`) and adds what it counts for now. Merged
tickets count for nothing. The seed writes tickets in bulk and rebuilds.

`rebuild()` (`flask reports rebuild`) recomputes it from the tickets;
`in_step()` compares. Until an install with tickets from before the rollup
has rebuilt it (TicketDayState), writes leave it alone and the reports read
the tickets; the migration marks an install with no ticket yet as built.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, delete, event, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from modules.helpdesk.models import MERGED, Ticket

COUNTS = ("tickets", "solved", "response_targets", "response_met", "resolution_targets", "resolution_met",
          "responded")
FIELDS = ("status", "created_at", "team_id", "channel", "solved_at", "first_responded_at", "first_response_due_at",
          "resolution_due_at")
CHUNK = 5_000


class TicketDay(db.Model):
    __tablename__ = "helpdesk_ticket_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 0: no team
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    response_targets: Mapped[int] = mapped_column(Integer, default=0)
    response_met: Mapped[int] = mapped_column(Integer, default=0)
    resolution_targets: Mapped[int] = mapped_column(Integer, default=0)
    resolution_met: Mapped[int] = mapped_column(Integer, default=0)
    responded: Mapped[int] = mapped_column(Integer, default=0)  # with a first response (the times' medians)


class TicketDayState(db.Model):
    """One row once the rollup holds every ticket."""

    __tablename__ = "helpdesk_ticket_day_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _met(at, due) -> int:
    return int(due is not None and at is not None and at <= due)


class Tally:
    def __init__(self):
        self.days: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTS))

    def ticket(self, v: dict, sign: int = 1) -> None:
        """Count (or, `sign` -1, take out) a ticket given by its FIELDS."""
        if v["status"] == MERGED or v["created_at"] is None:
            return
        created = v["created_at"]
        key = (created.date(), v["team_id"] or 0, v["channel"])
        for i, value in enumerate((1, v["solved_at"] is not None, v["first_response_due_at"] is not None,
                                   _met(v["first_responded_at"], v["first_response_due_at"]),
                                   v["resolution_due_at"] is not None, _met(v["solved_at"], v["resolution_due_at"]),
                                   v["first_responded_at"] is not None)):
            self.days[key][i] += sign * int(value)

    def apply(self, connection) -> None:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        days = [{"day": d, "team_id": t, "channel": c, **dict(zip(COUNTS, values, strict=True))}
                for (d, t, c), values in self.days.items() if any(values)]
        if days:
            table = TicketDay.__table__
            stmt = insert(table)
            connection.execute(stmt.on_conflict_do_update(
                index_elements=["day", "team_id", "channel"], set_={n: table.c[n] + stmt.excluded[n] for n in COUNTS}),
                days)


def _now(ticket: Ticket) -> dict:
    return {name: getattr(ticket, name) for name in FIELDS}


def _before(ticket: Ticket) -> dict:
    """The values the ticket was counted with: each changed column's old value.
    A column first set after the ticket's INSERT (a due time `sla.start` sets
    once the ticket has its id) has no old value in its history: it was NULL."""
    attrs = inspect(ticket).attrs
    out = {}
    for name in FIELDS:
        history = attrs[name].history
        out[name] = history.deleted[0] if history.deleted else None if history.added else getattr(ticket, name)
    return out


def _kept(session) -> bool:
    return session.connection().execute(select(TicketDayState.id)).first() is not None


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    tickets = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, Ticket)]
    if not tickets:
        return
    tally = Tally()
    for ticket in tickets:
        if ticket in session.new:
            tally.ticket(_now(ticket))
        elif ticket in session.deleted:
            tally.ticket(_before(ticket), -1)
        else:
            before, now = _before(ticket), _now(ticket)
            if before != now:
                tally.ticket(before, -1)
                tally.ticket(now)
    if tally.days and _kept(session):
        tally.apply(session.connection())


def built() -> bool:
    return db.session.get(TicketDayState, 1) is not None


def recomputed(*conditions) -> Tally:
    """What the rollup holds for the tickets matching `conditions` (all of
    them: what it should hold), counted from the tickets in one pass."""
    tally = Tally()
    rows = db.session.execute(select(*(getattr(Ticket, f) for f in FIELDS)).where(*conditions)
                              .execution_options(yield_per=CHUNK))
    for row in rows:
        tally.ticket(dict(zip(FIELDS, row, strict=True)))
    return tally


def read(since: date | None, until: date | None, team_id: int | None = None, channel: str | None = None) -> Tally:
    """The rollup's rows for tickets created from `since` to `until` (both
    days included), of one team and channel when given."""
    def where(model) -> list:
        conditions = []
        if since is not None:
            conditions.append(model.day >= since)
        if until is not None:
            conditions.append(model.day <= until)
        if team_id is not None:
            conditions.append(model.team_id == team_id)
        if channel:
            conditions.append(model.channel == channel)
        return conditions

    tally = Tally()
    table = TicketDay.__table__
    for day, team, channel, *counts in db.session.execute(
            select(table.c.day, table.c.team_id, table.c.channel, *(table.c[c] for c in COUNTS))
            .where(*where(TicketDay))):
        tally.days[(day, team, channel)] = counts
    return tally


def _clean(tally: Tally) -> dict:
    return {k: tuple(v) for k, v in tally.days.items() if any(v)}


def stored() -> dict:
    return {(r.day, r.team_id, r.channel): tuple(getattr(r, c) for c in COUNTS)
            for r in db.session.scalars(select(TicketDay)) if any(getattr(r, c) for c in COUNTS)}


def in_step() -> bool:
    return built() and stored() == _clean(recomputed())


def rebuild() -> int:
    """Recompute the table from the tickets; returns its rows."""
    tally = recomputed()
    db.session.execute(delete(TicketDay))
    tally.apply(db.session.connection())
    if not built():
        db.session.add(TicketDayState(id=1))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(TicketDay))
