"""The handler of "helpdesk.tickets" mailboxes (registry.MailboxKind): the
core's intake (app/intake/) stored the message once per Message-ID and
calls `handle`. A message becomes a reply on the ticket it answers
(threading.py) or a new ticket for its team. Bounces of Steward's own
replies are noted on their ticket; automatic mail (loops.py) is kept on
its ticket but never answered and never opens a ticket by itself."""

from __future__ import annotations

from sqlalchemy import select

from app import settings
from app.extensions import db
from app.mail.service import domain
from modules.helpdesk import loops, origins, requesters, services, threading
from modules.helpdesk.models import CLOSED, EVENT, IN, OPEN, OUT, Team, Ticket, TicketMessage
from modules.helpdesk.parsing import parse


def handle(message, inbound) -> str:
    parsed = parse(message)
    if parsed.message_id:
        known = db.session.scalar(select(TicketMessage.ticket_id)
                                  .where(TicketMessage.message_id == parsed.message_id).limit(1))
        if known is not None:  # the same mail reached a second mailbox (To one team, Cc another)
            return f"already on ticket #{db.session.get(Ticket, known).number}"
    if loops.is_bounce(message, parsed):
        return _bounce(message, parsed, inbound)
    auto = loops.automatic(parsed, domain())
    ticket, how = threading.find(parsed)
    team = db.session.scalar(select(Team).where(Team.mailbox_id == inbound.mailbox_id).limit(1))
    follow_up = None
    if ticket is not None and ticket.status == CLOSED and not auto:
        follow_up, ticket = ticket, None  # a closed ticket stays closed: a new one, linked
    created = ticket is None
    if created:
        if auto:
            return f"automatic message ({auto}) answering no ticket: no ticket made"
        requester = requesters.find_or_create(parsed.from_address, parsed.from_name)
        ours = {team.address.lower()} if team and team.address else set()
        cc = [a for a in dict.fromkeys(parsed.to + parsed.cc) if a not in ours and a != parsed.from_address]
        ticket = services.open_ticket(subject=parsed.subject, requester=requester, email=parsed.from_address,
                                      team=team, cc=cc, mailbox_id=inbound.mailbox_id)
        origin = origins.answering(parsed)
        if origin is not None:  # a reply to a campaign (or other mail another module sent)
            title, url = origin
            services.add_message(ticket, EVENT, text=f"Reply to {title}: {url}")
        if follow_up is not None:
            ticket.follows_id = follow_up.id
            services.add_message(ticket, EVENT, text=f"Follow-up to closed ticket #{follow_up.number}.")
    services.add_message(ticket, IN, text=parsed.text, new_text=parsed.new_text, html=parsed.html,
                         from_address=parsed.from_address, from_name=parsed.from_name, to=", ".join(parsed.to),
                         cc=", ".join(parsed.cc), subject=parsed.subject, message_id=parsed.message_id or None,
                         in_reply_to=" ".join(parsed.in_reply_to)[:255], references=" ".join(parsed.references),
                         auto=bool(auto), files=parsed.attachments, inbound_id=inbound.id)
    if not created and not auto and ticket.status in services.REOPEN_FROM:
        services.set_status(ticket, OPEN)
    if created and team is not None and team.acknowledge and not auto:
        services.acknowledge(ticket, int(settings.get("helpdesk", "ack_per_hour") or 3))
    if created:
        return f"new ticket #{ticket.number}"
    return f"reply on ticket #{ticket.number} ({how})" + (f"; automatic ({auto}), not answered" if auto else "")


def _bounce(message, parsed, inbound) -> str:
    ids = loops.bounced_ids(message)
    ours = db.session.scalar(select(TicketMessage).where(TicketMessage.message_id.in_(ids or [""]),
                                                         TicketMessage.direction == OUT).limit(1)) if ids else None
    if ours is None:
        return "a bounce of no message of ours: no ticket made"
    ticket = db.session.get(Ticket, ours.ticket_id)
    services.add_message(ticket, EVENT, text=f"Our reply to {ours.to} could not be delivered: "
                                             f"{parsed.subject or 'delivery failed'}.\n\n{parsed.new_text[:2000]}",
                         inbound_id=inbound.id)
    return f"bounce of our reply noted on ticket #{ticket.number}"



