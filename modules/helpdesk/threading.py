"""Which ticket a message belongs to, in this order (issue 11):

1. the ticket number in the subject ("[#1042]");
2. In-Reply-To, then References, against every Message-ID a ticket has
   stored or sent (`helpdesk_message.message_id`, indexed);
3. for clients that drop both: the same requester, the same normalised
   subject, and the ticket heard from within `thread_days` (setting).

Only a message's own Message-ID is ever looked up, never the ids a message
merely refers to: fifty people replying to one newsletter all refer to
the newsletter, which no ticket has, so each makes a ticket of their own.
A merged ticket hands its mail to the one it was merged into."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import settings
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk import subjects
from modules.helpdesk.models import CLOSED, MERGED, Ticket, TicketMessage
from modules.helpdesk.parsing import Parsed


def live(ticket: Ticket | None) -> Ticket | None:
    seen = set()
    while ticket is not None and ticket.status == MERGED and ticket.merged_into_id and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def by_message_ids(message_ids: list[str]) -> Ticket | None:
    if not message_ids:
        return None
    rows = dict(db.session.execute(select(TicketMessage.message_id, TicketMessage.ticket_id).where(
        TicketMessage.message_id.in_(message_ids[-100:]))).all())
    for mid in reversed(message_ids):  # the latest reference first
        if mid in rows:
            return db.session.get(Ticket, rows[mid])
    return None


def find(parsed: Parsed) -> tuple[Ticket | None, str]:
    """(the ticket, how it was found) or (None, "")."""
    ticket_id = subjects.ticket_id(parsed.subject)
    if ticket_id:
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is not None:
            return live(ticket), "ticket number in the subject"
    ticket = by_message_ids(parsed.in_reply_to) or by_message_ids(parsed.references)
    if ticket is not None:
        return live(ticket), "In-Reply-To/References"
    key = subjects.key(parsed.subject)
    if key and parsed.from_address:
        since = utcnow() - timedelta(days=int(settings.get("helpdesk", "thread_days") or 7))
        ticket = db.session.scalar(select(Ticket).where(
            Ticket.requester_email == parsed.from_address, Ticket.subject_key == key,
            Ticket.last_message_at >= since, Ticket.status != CLOSED).order_by(Ticket.id.desc()).limit(1))
        if ticket is not None:
            return live(ticket), "same requester and subject"
    return None, ""
