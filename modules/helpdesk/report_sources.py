"""The helpdesk's report sources (app/reporting/sources.py): tickets
(leading to their requester), their messages, and satisfaction ratings.
Merged tickets live on in the ticket they were merged into and are left
out. Words (subjects, message bodies) are never fields: reports count."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import User
from app.reporting.sources import ContactJoin, Field, Join, Source
from modules.helpdesk.models import (
    CHANNELS,
    EVENT,
    IN,
    MERGED,
    NOTE,
    NUMBER_OFFSET,
    OUT,
    PRIORITIES,
    STATUSES,
    Team,
    Ticket,
    TicketMessage,
)
from modules.helpdesk.surveys.models import BAD, GOOD, Satisfaction

RATING_CHOICES = [(GOOD, "Good"), (BAD, "Bad")]
DIRECTIONS = [(IN, "From the customer"), (OUT, "Agent reply"), (NOTE, "Internal note"), (EVENT, "Event")]


def _team_names():
    return [(n, n) for n in db.session.scalars(select(Team.name).order_by(Team.name))]


def _user_names():
    return [(n, n) for n in db.session.scalars(select(User.name).order_by(User.name).limit(1000))]


def _live(requester_column):
    from modules.contacts.models import Contact

    return requester_column.is_(None) | requester_column.in_(select(Contact.id).where(Contact.deleted_at.is_(None)))


def sources() -> list[Source]:
    assignee = aliased(User, name="ticket_assignee")
    rating = aliased(Satisfaction, name="ticket_rating")
    tickets = Source(
        name="tickets", label="Tickets", permission="helpdesk.view",
        description="Helpdesk tickets with team, assignee, channel, response and resolution times, SLA and "
                    "satisfaction.",
        table=Ticket.__table__, key=Ticket.id,
        joins=[Join("team", Team, Team.id == Ticket.team_id),
               Join("assignee", assignee, assignee.id == Ticket.assignee_id),
               Join("rating", rating, rating.ticket_id == Ticket.id)],
        fields=[
            Field("number", "Number", "number", Ticket.id + NUMBER_OFFSET, filterable=False),
            Field("status", "Status", "choice", Ticket.status, groupable=True,
                  choices=lambda: [(k, v) for k, v in STATUSES.items() if k != MERGED]),
            Field("priority", "Priority", "choice", Ticket.priority, groupable=True,
                  choices=lambda: list(PRIORITIES.items())),
            Field("team", "Team", "choice", Team.name, groupable=True, choices=_team_names, joins=("team",)),
            Field("assignee", "Assignee", "choice", assignee.name, groupable=True, choices=_user_names,
                  joins=("assignee",)),
            Field("channel", "Channel", "choice", Ticket.channel, groupable=True,
                  choices=lambda: list(CHANNELS.items())),
            Field("created", "Created", "date", Ticket.created_at, groupable=True),
            Field("first_response", "First response at", "date", Ticket.first_responded_at, groupable=True),
            Field("solved", "Solved at", "date", Ticket.solved_at, groupable=True),
            Field("sla_breached", "SLA breached", "boolean", Ticket.breached != "", groupable=True),
            Field("rating", "Satisfaction rating", "choice", rating.rating, groupable=True,
                  choices=lambda: RATING_CHOICES, joins=("rating",)),
            Field("ticket_id", "Ticket ID", "number", Ticket.id, filterable=False),
        ],
        contacts=[ContactJoin("requester", "The requester", Ticket.requester_id)],
        where=lambda: [Ticket.status != MERGED, _live(Ticket.requester_id)],
    )

    messages = Source(
        name="ticket_messages", label="Ticket messages",
        permission="helpdesk.view",
        description="Every message on a ticket: from the customer, agent replies, internal notes.",
        table=TicketMessage.__table__.join(Ticket.__table__, Ticket.id == TicketMessage.ticket_id),
        key=TicketMessage.id,
        joins=[Join("team", Team, Team.id == Ticket.team_id)],
        fields=[
            Field("direction", "Direction", "choice", TicketMessage.direction, groupable=True,
                  choices=lambda: DIRECTIONS),
            Field("at", "At", "date", TicketMessage.created_at, groupable=True),
            Field("team", "Ticket team", "choice", Team.name, groupable=True, choices=_team_names, joins=("team",)),
            Field("channel", "Ticket channel", "choice", Ticket.channel, groupable=True,
                  choices=lambda: list(CHANNELS.items())),
            Field("automatic", "Automatic", "boolean", TicketMessage.auto, groupable=True),
            Field("ticket_number", "Ticket number", "number", Ticket.id + NUMBER_OFFSET, filterable=False),
        ],
        contacts=[ContactJoin("requester", "The ticket's requester", Ticket.requester_id)],
        where=lambda: [Ticket.status != MERGED, _live(Ticket.requester_id)],
    )

    agent = aliased(User, name="rating_agent")
    ratings = Source(
        name="satisfaction_ratings", label="Satisfaction ratings", permission="helpdesk.view",
        description="The requesters' answers to the satisfaction survey, by team and agent.",
        table=Satisfaction.__table__.join(Ticket.__table__, Ticket.id == Satisfaction.ticket_id),
        key=Satisfaction.id,
        joins=[Join("team", Team, Team.id == Satisfaction.team_id),
               Join("agent", agent, agent.id == Satisfaction.agent_id)],
        fields=[
            Field("team", "Team", "choice", Team.name, groupable=True, choices=_team_names, joins=("team",)),
            Field("agent", "Agent", "choice", agent.name, groupable=True, choices=_user_names, joins=("agent",)),
            Field("rating", "Rating", "choice", Satisfaction.rating, groupable=True, choices=lambda: RATING_CHOICES),
            Field("good", "Good", "boolean", Satisfaction.rating == GOOD, groupable=True),
            Field("at", "Rated at", "date", Satisfaction.rated_at, groupable=True),
            Field("ticket_number", "Ticket number", "number", Ticket.id + NUMBER_OFFSET, filterable=False),
        ],
        contacts=[ContactJoin("requester", "The ticket's requester", Ticket.requester_id)],
        where=lambda: [Satisfaction.rating.is_not(None), _live(Ticket.requester_id)],
    )
    return [tickets, messages, ratings]
