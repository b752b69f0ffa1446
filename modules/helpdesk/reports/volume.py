"""Ticket volume: tickets created (and, of those, solved) per week or
month, and per team and channel, over the chosen range. The database
counts per UTC day (a few hundred rows, not a datetime per ticket turned
into Python objects: most of the report's time at 100,000 contacts, make
bench); weeks and months are made from the days here, so SQLite and
PostgreSQL agree (weeks start on Monday, months on the 1st)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Date, cast, func, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.helpdesk.models import CHANNELS, Team, Ticket
from modules.helpdesk.reports.common import WEEK, range_note, ticket_conditions


def _bucket(day: date, by: str) -> date:
    return day - timedelta(days=day.weekday()) if by == WEEK else day.replace(day=1)


def _label(day: date, by: str) -> str:
    return f"Week of {day.isoformat()}" if by == WEEK else day.strftime("%Y-%m")


def _utc_day(column):
    """The UTC day of a timestamp column (stored as naive UTC on both databases)."""
    return func.date(column) if db.session.get_bind().dialect.name == "sqlite" else cast(column, Date)


def volume(values: dict) -> list[Table]:
    by = values.get("by") or "month"
    conditions = ticket_conditions(values)
    created, solved = Counter(), Counter()
    day = _utc_day(Ticket.created_at)
    for on, n, done in db.session.execute(select(day, func.count(), func.count(Ticket.solved_at))
                                          .where(*conditions).group_by(day)):
        bucket = _bucket(on if isinstance(on, date) else date.fromisoformat(on), by)
        created[bucket] += n
        solved[bucket] += done
    periods = Result([Column("period", "Week" if by == WEEK else "Month"), Column("created", "Created", "number"),
                      Column("solved", "Of these, solved", "number")],
                     [(_label(b, by), created[b], solved[b]) for b in sorted(created)])
    periods.notes.append(range_note(values))
    total = sum(created.values())

    teams = db.session.execute(select(func.coalesce(Team.name, ""), func.count(Ticket.id))
                               .select_from(Ticket).outerjoin(Team, Team.id == Ticket.team_id)
                               .where(*conditions).group_by(Team.name)).all()
    by_team = Result([Column("team", "Team"), Column("tickets", "Tickets", "number")],
                     sorted(((name or "No team", n) for name, n in teams), key=lambda r: (-r[1], r[0])))
    channels = db.session.execute(select(Ticket.channel, func.count(Ticket.id)).where(*conditions)
                                  .group_by(Ticket.channel)).all()
    by_channel = Result([Column("channel", "Channel"), Column("tickets", "Tickets", "number")],
                        sorted(((CHANNELS.get(c, c), n) for c, n in channels), key=lambda r: (-r[1], r[0])))
    return [Table("Tickets created", periods, ChartSpec("bar", "period", ("created", "solved")),
                  footer=("Total", total, sum(solved.values())) if total else None),
            Table("Tickets by team", by_team, ChartSpec("bar", "team", ("tickets",))),
            Table("Tickets by channel", by_channel, ChartSpec("bar", "channel", ("tickets",)))]
