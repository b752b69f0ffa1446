"""The helpdesk's webhook events (docs/webhooks.md): `ticket.created` and
`ticket.solved`. Ids, status and timestamps only, with the requester's
contact id (so an erasure strips them like any contact's events): never
the subject or a message's words."""

from __future__ import annotations

from app.webhooks import Occurrence


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def ticket_data(ticket) -> dict:
    return {"id": ticket.id, "contact_id": ticket.requester_id, "object": "ticket", "number": ticket.number,
            "status": ticket.status, "priority": ticket.priority, "channel": ticket.channel,
            "team_id": ticket.team_id, "assignee_id": ticket.assignee_id,
            "created_at": _iso(ticket.created_at), "solved_at": _iso(ticket.solved_at)}


def ticket_created(ticket, **_):
    return [Occurrence(ticket.id, ticket_data(ticket), ticket.requester_id)]


def ticket_solved(ticket, **_):
    return [Occurrence(ticket.id, ticket_data(ticket), ticket.requester_id)]
