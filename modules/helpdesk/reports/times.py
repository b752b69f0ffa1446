"""First-response and resolution times against the SLA, by team.

Times are elapsed (wall-clock) hours from the ticket's creation, the
median of the tickets that have one; "within target" is the share of
tickets with a target (their SLA policy's due time, which counts business
hours and pauses) answered or solved by it. Tickets with no SLA policy
have no target and are left out of the share, not counted as met."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.helpdesk.models import Team, Ticket
from modules.helpdesk.reports.common import range_note, rate, ticket_conditions


def _hours(later, earlier):
    """Hours from `earlier` to `later`, in SQL (NULL when either is): the
    report reads two numbers a ticket, not five datetimes turned into Python
    objects (most of its time at 100,000 contacts, make bench)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24
    return func.extract("epoch", later - earlier) / 3600


def _met(at, due):
    """1 when done by the due time, 0 when late or not done, NULL without a target."""
    return case((due.is_(None), None), (and_(at.is_not(None), at <= due), 1), else_=0)


def _median(values: list[float]) -> Decimal | None:
    return Decimal(str(median(values))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if values else None


class _Team:
    def __init__(self):
        self.tickets = 0
        self.response, self.resolution = [], []
        self.response_targets = self.response_met = self.resolution_targets = self.resolution_met = 0


def sla_times(values: dict) -> list[Table]:
    teams: dict[str, _Team] = defaultdict(_Team)
    rows = db.session.execute(
        select(Team.name, _hours(Ticket.first_responded_at, Ticket.created_at),
               _met(Ticket.first_responded_at, Ticket.first_response_due_at),
               _hours(Ticket.solved_at, Ticket.created_at), _met(Ticket.solved_at, Ticket.resolution_due_at))
        .select_from(Ticket).outerjoin(Team, Team.id == Ticket.team_id).where(*ticket_conditions(values)))
    for name, response, response_met, resolution, resolution_met in rows:
        for key in (name or "No team", None):  # the team's row and the total
            t = teams[key]
            t.tickets += 1
            if response is not None:
                t.response.append(round(float(response), 6))  # julianday's float noise off
            if response_met is not None:
                t.response_targets += 1
                t.response_met += response_met
            if resolution is not None:
                t.resolution.append(round(float(resolution), 6))
            if resolution_met is not None:
                t.resolution_targets += 1
                t.resolution_met += resolution_met

    def row(label, t: _Team) -> tuple:
        return (label, t.tickets, _median(t.response), rate(t.response_met, t.response_targets),
                _median(t.resolution), rate(t.resolution_met, t.resolution_targets))

    result = Result([Column("team", "Team"), Column("tickets", "Tickets", "number"),
                     Column("response_median", "Median first response (hours)", "number"),
                     Column("response_within", "First response within target", "percent"),
                     Column("resolution_median", "Median resolution (hours)", "number"),
                     Column("resolution_within", "Resolved within target", "percent")],
                    [row(name, t) for name, t in sorted(teams.items(), key=lambda i: i[0] or "") if name])
    result.notes.append(range_note(values))
    result.notes.append("Hours are elapsed time; targets follow each ticket's SLA policy (business hours). "
                        "Tickets without a target are not in the shares.")
    footer = row("All teams", teams[None]) if None in teams else None
    return [Table("Response and resolution times by team", result,
                  ChartSpec("bar", "team", ("response_within", "resolution_within")), footer=footer)]
