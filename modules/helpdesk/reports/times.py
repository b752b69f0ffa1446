"""First-response and resolution times against the SLA, by team.

Times are elapsed (wall-clock) hours from the ticket's creation, the
median of the tickets that have one; "within target" is the share of
tickets with a target (their SLA policy's due time, which counts business
hours and pauses) answered or solved by it. Tickets with no SLA policy
have no target and are left out of the share, not counted as met.

The counts and shares are sums of the day rollup (ticket_days.py), which
also says how many of a team's tickets have a response and a resolution;
each median is then the middle row or two of the index over that time
(team, time, created, channel, status; ticket_times.py), read in order
with an offset: half of a team's index entries, never the tickets
themselves and no sort. It read and sorted every ticket of the range
before: 1.7 s at 500,000 tickets. Until the rollup is built (`flask
reports rebuild`) the counts come from the tickets, the same figures."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.helpdesk import ticket_days
from modules.helpdesk.models import Team, Ticket
from modules.helpdesk.reports.common import range_note, rate, ticket_conditions

US_PER_HOUR = Decimal(3_600_000_000)
ALL = object()  # every team, for the footer
TICKETS, SOLVED, RESPONSE_TARGETS, RESPONSE_MET, RESOLUTION_TARGETS, RESOLUTION_MET, RESPONDED = range(
    len(ticket_days.COUNTS))


def _counts(values: dict) -> dict[int, list[int]]:
    """The day rollup's counts of the range and channel, summed per team id (0: no team)."""
    if ticket_days.built():
        team = int(values["team"]) if values.get("team") else None  # as ticket_conditions reads it
        days = ticket_days.read(values.get("from"), values.get("to"), team, values.get("channel") or None).days
    else:  # tickets from before the rollup, until `flask reports rebuild`
        days = ticket_days.recomputed(*ticket_conditions(values)).days
    teams: dict[int, list[int]] = defaultdict(lambda: [0] * len(ticket_days.COUNTS))
    for (_day, team_id, _channel), counts in days.items():
        for i, count in enumerate(counts):
            teams[team_id][i] += count
    return teams


def _median(column, team_id, how_many: int, values: dict) -> Decimal | None:
    """The median of `column` (a time in microseconds) over the `how_many` tickets
    of the range that have one: the middle row, or the two middle rows, of its index."""
    if not how_many:
        return None
    query = select(column).where(column.is_not(None), *ticket_conditions(values))
    if team_id is not ALL:
        query = query.where(Ticket.team_id == team_id if team_id else Ticket.team_id.is_(None))
    middle = db.session.scalars(query.order_by(column).offset((how_many - 1) // 2).limit(2 - how_many % 2)).all()
    if not middle:
        return None
    return (Decimal(sum(middle)) / len(middle) / US_PER_HOUR).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _row(label: str, team_id, counts: list[int], values: dict) -> tuple:
    return (label, counts[TICKETS], _median(Ticket.response_us, team_id, counts[RESPONDED], values),
            rate(counts[RESPONSE_MET], counts[RESPONSE_TARGETS]),
            _median(Ticket.resolution_us, team_id, counts[SOLVED], values),
            rate(counts[RESOLUTION_MET], counts[RESOLUTION_TARGETS]))


def sla_times(values: dict) -> list[Table]:
    teams = {team_id: counts for team_id, counts in _counts(values).items() if counts[TICKETS]}
    names = dict(db.session.execute(select(Team.id, Team.name)).all())
    labelled = sorted((names.get(team_id, "No team"), team_id) for team_id in teams)
    result = Result([Column("team", "Team"), Column("tickets", "Tickets", "number"),
                     Column("response_median", "Median first response (hours)", "number"),
                     Column("response_within", "First response within target", "percent"),
                     Column("resolution_median", "Median resolution (hours)", "number"),
                     Column("resolution_within", "Resolved within target", "percent")],
                    [_row(label, team_id, teams[team_id], values) for label, team_id in labelled])
    result.notes.append(range_note(values))
    result.notes.append("Hours are elapsed time; targets follow each ticket's SLA policy (business hours). "
                        "Tickets without a target are not in the shares.")
    footer = None
    if teams:
        total = [sum(column) for column in zip(*teams.values(), strict=True)]
        footer = _row("All teams", ALL, total, values)
    return [Table("Response and resolution times by team", result,
                  ChartSpec("bar", "team", ("response_within", "resolution_within")), footer=footer)]
