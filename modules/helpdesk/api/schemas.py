"""The ticket and message shapes the helpdesk API sends."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from app.api import lists
from modules.contacts.api.schemas import ID
from modules.helpdesk.models import PRIORITIES, STATUSES, Ticket, TicketMessage

SETTABLE_STATUSES = [s for s in STATUSES if s != "merged"]


class MessageSchema(ma.Schema):
    class Meta:
        name = "TicketMessage"

    id = f.Integer()
    direction = f.String(metadata={"description": "in (from the customer), out (a reply), note (internal), "
                                                 "event (what happened, such as a rule's action)."})
    from_address = f.String()
    from_name = f.String()
    to = f.String()
    cc = f.String()
    subject = f.String()
    text = f.String(metadata={"description": "What is new in the message (quoted history folded away)."})
    body_text = f.String(metadata={"description": "The whole text, quoted history included."})
    message_id = f.String(allow_none=True)
    author_id = f.Integer(allow_none=True)
    created_at = f.AwareDateTime()


class TicketSchema(ma.Schema):
    class Meta:
        name = "Ticket"

    id = f.Integer(dump_only=True)
    number = f.Integer(dump_only=True, metadata={"description": "What people quote: #1042."})
    subject = f.String(validate=v.Length(max=300), metadata={"description": "Required on create."})
    status = f.String(validate=v.OneOf(SETTABLE_STATUSES))
    priority = f.String(validate=v.OneOf(list(PRIORITIES)))
    team_id = f.Integer(allow_none=True, strict=True, validate=ID)
    assignee_id = f.Integer(allow_none=True, strict=True, validate=ID,
                            metadata={"description": "An active user; null: nobody."})
    requester_id = f.Integer(dump_only=True, allow_none=True)
    requester_email = f.String(validate=v.Length(max=254), metadata={"description": "Required on create: the "
                                                                                   "contact with it, or a new one."})
    requester_name = f.String(load_only=True, validate=v.Length(max=200),
                              metadata={"description": "On create: the new contact's name, when nobody has "
                                                       "the address yet."})
    text = f.String(load_only=True, validate=v.Length(max=100_000),
                    metadata={"description": "On create: what they asked (required)."})
    channel = f.String(dump_only=True)
    tags = f.String(dump_only=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)
    solved_at = f.AwareDateTime(dump_only=True, allow_none=True)
    messages = f.List(f.Nested(MessageSchema), dump_only=True,
                      metadata={"description": "Oldest first; only when one ticket is read."})


class TicketQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = f.String(load_default=None, validate=v.OneOf([*STATUSES, "active"]),
                      metadata={"description": "One status, or active (new, open, waiting, on hold)."})
    team_id = f.Integer(load_default=None, validate=ID)
    assignee_id = f.Integer(load_default=None, validate=ID)
    requester_id = f.Integer(load_default=None, validate=ID)


TicketPage = lists.page_schema(TicketSchema, "TicketPage")
ALLOWED = set(TicketSchema().fields) - {"requester_name", "text", "messages"}


def show(ticket: Ticket) -> dict:
    """The ticket without its messages (what its ETag covers: a new message
    changes `updated_at`)."""
    return {"id": ticket.id, "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
            "priority": ticket.priority, "team_id": ticket.team_id, "assignee_id": ticket.assignee_id,
            "requester_id": ticket.requester_id, "requester_email": ticket.requester_email,
            "channel": ticket.channel, "tags": ticket.tags or "", "created_at": ticket.created_at,
            "updated_at": ticket.updated_at, "solved_at": ticket.solved_at}


def show_message(message: TicketMessage) -> dict:
    return {"id": message.id, "direction": message.direction, "from_address": message.from_address or "",
            "from_name": message.from_name or "", "to": message.to or "", "cc": message.cc or "",
            "subject": message.subject or "", "text": message.new_text or message.body_text or "",
            "body_text": message.body_text or "", "message_id": message.message_id,
            "author_id": message.author_id, "created_at": message.created_at}
