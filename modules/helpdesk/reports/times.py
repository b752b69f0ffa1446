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

from sqlalchemy import select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.helpdesk.models import Team, Ticket
from modules.helpdesk.reports.common import range_note, rate, ticket_conditions


def _hours(later, earlier) -> float:
    return (later - earlier).total_seconds() / 3600


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
        select(Team.name, Ticket.created_at, Ticket.first_responded_at, Ticket.first_response_due_at,
               Ticket.solved_at, Ticket.resolution_due_at)
        .select_from(Ticket).outerjoin(Team, Team.id == Ticket.team_id).where(*ticket_conditions(values)))
    for name, created, responded, response_due, solved, resolution_due in rows:
        for key in (name or "No team", None):  # the team's row and the total
            t = teams[key]
            t.tickets += 1
            if responded is not None:
                t.response.append(_hours(responded, created))
            if response_due is not None:
                t.response_targets += 1
                t.response_met += responded is not None and responded <= response_due
            if solved is not None:
                t.resolution.append(_hours(solved, created))
            if resolution_due is not None:
                t.resolution_targets += 1
                t.resolution_met += solved is not None and solved <= resolution_due

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
