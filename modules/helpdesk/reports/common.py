"""What the helpdesk reports share: the date range (tickets created from
`from` to `to`, both days included, UTC), choices and percentages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.extensions import db
from modules.helpdesk.models import CHANNELS, MERGED, Team, Ticket

WEEK, MONTH = "week", "month"


def today() -> date:
    return datetime.now(UTC).date()


def year_ago() -> date:
    return today() - timedelta(days=365)


def period_choices() -> list[tuple[str, str]]:
    return [(MONTH, "Month"), (WEEK, "Week (starting Monday)")]


def default_period() -> str:
    return MONTH


def team_choices() -> list[tuple[str, str]]:
    return [("", "All teams")] + [(str(i), n) for i, n in db.session.execute(
        select(Team.id, Team.name).order_by(Team.name))]


def channel_choices() -> list[tuple[str, str]]:
    return [("", "All channels"), *CHANNELS.items()]


def start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def ticket_conditions(values: dict, created=Ticket.created_at) -> list:
    """Tickets created in the range (merged ones live on in their target), of the chosen team and channel."""
    conditions = [Ticket.status != MERGED]
    if values.get("from"):
        conditions.append(created >= start(values["from"]))
    if values.get("to"):
        conditions.append(created < start(values["to"] + timedelta(days=1)))
    if values.get("team"):
        conditions.append(Ticket.team_id == int(values["team"]))
    if values.get("channel"):
        conditions.append(Ticket.channel == values["channel"])
    return conditions


def range_note(values: dict) -> str:
    since, until = values.get("from"), values.get("to")
    return f"Tickets created {since.isoformat() if since else 'ever'} to {until.isoformat() if until else 'today'}."


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
