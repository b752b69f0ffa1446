"""What views, the intake and the CLI share: opening a ticket, adding a
message, an agent's reply through the core mail service, status changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app import audit, mail
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk import attachments, signals, subjects
from modules.helpdesk.models import (
    ACTIVE,
    IN,
    NEW,
    NOTE,
    OPEN,
    OUT,
    SOLVED,
    STATUSES,
    WAITING,
    Team,
    Ticket,
    TicketMessage,
)

REFERENCES_KEPT = 20  # Message-IDs in a reply's References: the first and the latest ones


def touch(ticket: Ticket) -> None:
    ticket.version = (ticket.version or 0) + 1
    ticket.updated_at = utcnow()


def open_ticket(*, subject: str, requester, email: str, team: Team | None, channel: str = "email",
                cc: list[str] = ()) -> Ticket:
    ticket = Ticket(subject=subject or "(no subject)", subject_key=subjects.key(subject),
                    requester_id=requester.id if requester else None, requester_email=email,
                    team_id=team.id if team else None, channel=channel, status=NEW, priority="normal",
                    cc=", ".join(cc), version=1)
    db.session.add(ticket)
    db.session.flush()
    audit.record(audit.CREATE, ticket, summary=f"Ticket #{ticket.number} from {email}: {ticket.subject}")
    return ticket


def add_message(ticket: Ticket, direction: str, *, text: str, new_text: str = "", html: str = "",
                from_address: str = "", from_name: str = "", to: str = "", cc: str = "", subject: str = "",
                message_id: str | None = None, in_reply_to: str = "", references: str = "",
                author_id: int | None = None, auto: bool = False, files=(), inbound_id: int | None = None,
                mail_message_id: int | None = None) -> TicketMessage:
    message = TicketMessage(ticket_id=ticket.id, direction=direction, body_text=text, new_text=new_text or text,
                            body_html=html, from_address=from_address, from_name=from_name, to=to, cc=cc,
                            subject=subject[:300], message_id=message_id or None, in_reply_to=in_reply_to[:255],
                            references=references, author_id=author_id, auto=auto, inbound_id=inbound_id,
                            mail_message_id=mail_message_id)
    db.session.add(message)
    db.session.flush()
    for part in files:
        db.session.add(attachments.store(ticket.id, message.id, part.filename, part.content_type, part.data))
    if direction in (IN, OUT):
        ticket.last_message_at = utcnow()
    touch(ticket)
    return message


def thread_ids(ticket: Ticket) -> list[str]:
    """Every Message-ID of the ticket's mail, oldest first."""
    return list(db.session.scalars(select(TicketMessage.message_id).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.message_id.is_not(None),
        TicketMessage.direction.in_((IN, OUT))).order_by(TicketMessage.id)))


def set_status(ticket: Ticket, status: str, user=None) -> None:
    if status not in STATUSES or status == ticket.status:
        return
    old, ticket.status = ticket.status, status
    ticket.solved_at = utcnow() if status == SOLVED else (None if status in ACTIVE else ticket.solved_at)
    touch(ticket)
    audit.record(audit.UPDATE, ticket, user=user, summary=f"Ticket #{ticket.number}: {STATUSES[status]}",
                 changes={"status": (old, status)})
    if status == SOLVED:
        signals.ticket_solved.send(ticket, user=user)


def reply(ticket: Ticket, user, text: str, *, status: str | None = None) -> TicketMessage:
    """Send `text` to the requester, threaded: the ticket number in the
    subject, In-Reply-To the latest message, References the thread."""
    ids = thread_ids(ticket)
    kept = ids if len(ids) <= REFERENCES_KEPT else ids[:1] + ids[-(REFERENCES_KEPT - 1):]
    headers = {}
    if ids:
        headers["In-Reply-To"] = f"<{ids[-1]}>"
        headers["References"] = " ".join(f"<{i}>" for i in kept)
    team = ticket.team
    if team and team.address:
        headers["Reply-To"] = team.address
    subject = subjects.with_number(ticket.subject, ticket.number)
    sent = mail.send(ticket.requester_email, subject, text, category="helpdesk.reply", headers=headers)
    message = add_message(ticket, OUT, text=text, from_address=(team.address if team else ""),
                          from_name=getattr(user, "name", ""), to=ticket.requester_email, subject=subject,
                          message_id=sent.message_id.strip("<>"), in_reply_to=headers.get("In-Reply-To", ""),
                          references=headers.get("References", ""), author_id=user.id, mail_message_id=sent.id)
    set_status(ticket, status or (OPEN if ticket.status == NEW else ticket.status), user)
    audit.record(audit.SEND, ticket, user=user, summary=f"Replied on ticket #{ticket.number}")
    return message


def note(ticket: Ticket, user, text: str) -> TicketMessage:
    return add_message(ticket, NOTE, text=text, from_name=getattr(user, "name", ""), author_id=user.id)


def acknowledge(ticket: Ticket, per_hour: int) -> TicketMessage | None:
    """The automatic "we have your message" (Auto-Submitted: auto-replied),
    at most `per_hour` to one address in an hour, whatever the ticket."""
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.direction == OUT, TicketMessage.auto.is_(True), TicketMessage.to == ticket.requester_email,
        TicketMessage.created_at >= since))
    if recent >= per_hour:
        return None
    ids = thread_ids(ticket)
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if ids:
        headers["In-Reply-To"] = headers["References"] = f"<{ids[-1]}>"
    if ticket.team and ticket.team.address:
        headers["Reply-To"] = ticket.team.address
    subject = subjects.with_number(ticket.subject, ticket.number)
    text = (f"Thank you for your message. We have opened ticket #{ticket.number} and will answer soon.\n"
            f"Please keep [#{ticket.number}] in the subject if you write again about this.")
    sent = mail.send(ticket.requester_email, subject, text, category="helpdesk.ack", headers=headers)
    return add_message(ticket, OUT, text=text, to=ticket.requester_email, subject=subject, auto=True,
                       message_id=sent.message_id.strip("<>"), in_reply_to=headers.get("In-Reply-To", ""),
                       mail_message_id=sent.id)


REOPEN_FROM = (SOLVED, WAITING)
