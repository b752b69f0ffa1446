"""Ticket volume: tickets created (and, of those, solved) per week or
month, and per team and channel, over the chosen range. Read from the
tickets per UTC day of creation, team and channel (ticket_days.py: a few
thousand rows a year); weeks and months are made from the days here
(weeks start on Monday, months on the 1st)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.helpdesk import ticket_days
from modules.helpdesk.models import CHANNELS, Team
from modules.helpdesk.reports.common import WEEK, range_note, ticket_conditions


def _bucket(day: date, by: str) -> date:
    return day - timedelta(days=day.weekday()) if by == WEEK else day.replace(day=1)


def _label(day: date, by: str) -> str:
    return f"Week of {day.isoformat()}" if by == WEEK else day.strftime("%Y-%m")


def volume(values: dict) -> list[Table]:
    by = values.get("by") or "month"
    if ticket_days.built():
        team = int(values["team"]) if values.get("team") else None
        days = ticket_days.read(values.get("from"), values.get("to"), team, values.get("channel") or None).days
    else:  # tickets from before the rollup, until `flask reports rebuild`
        days = ticket_days.recomputed(*ticket_conditions(values)).days
    created, solved, teams, channels = Counter(), Counter(), Counter(), Counter()
    for (on, team_id, channel), counts in days.items():
        bucket = _bucket(on, by)
        created[bucket] += counts[0]
        solved[bucket] += counts[1]
        teams[team_id] += counts[0]
        channels[channel] += counts[0]
    periods = Result([Column("period", "Week" if by == WEEK else "Month"), Column("created", "Created", "number"),
                      Column("solved", "Of these, solved", "number")],
                     [(_label(b, by), created[b], solved[b]) for b in sorted(created)])
    periods.notes.append(range_note(values))
    total = sum(created.values())

    names = dict(db.session.execute(select(Team.id, Team.name)).all())
    by_team = Result([Column("team", "Team"), Column("tickets", "Tickets", "number")],
                     sorted(((names.get(t, "No team"), n) for t, n in teams.items() if n), key=lambda r: (-r[1], r[0])))
    by_channel = Result([Column("channel", "Channel"), Column("tickets", "Tickets", "number")],
                        sorted(((CHANNELS.get(c, c), n) for c, n in channels.items() if n),
                               key=lambda r: (-r[1], r[0])))
    return [Table("Tickets created", periods, ChartSpec("bar", "period", ("created", "solved")),
                  footer=("Total", total, sum(solved.values())) if total else None),
            Table("Tickets by team", by_team, ChartSpec("bar", "team", ("tickets",))),
            Table("Tickets by channel", by_channel, ChartSpec("bar", "channel", ("tickets",)))]
