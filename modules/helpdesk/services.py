"""What views, the intake and the CLI share: opening a ticket, adding a
message, an agent's reply through the core mail service, status changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app import audit, mail
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk import attachments, canned, rules, signals, sla, subjects
from modules.helpdesk.automation_models import CannedReply
from modules.helpdesk.models import (
    ACTIVE,
    EVENT,
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
                cc: list[str] = (), mailbox_id: int | None = None, priority: str = "normal") -> Ticket:
    """A new ticket, from any channel: the rules run on it (rules.py) and its
    SLA targets are set (sla.py). What a rule writes on the ticket, and a
    canned reply it sends, wait for the ticket's first message (add_message)."""
    ticket = Ticket(subject=subject or "(no subject)", subject_key=subjects.key(subject),
                    requester_id=requester.id if requester else None, requester_email=email,
                    team_id=team.id if team else None, channel=channel, status=NEW, priority=priority,
                    cc=", ".join(cc), version=1, breached="", paused_minutes=0, created_at=utcnow())
    db.session.add(ticket)
    db.session.flush()
    audit.record(audit.CREATE, ticket, summary=f"Ticket #{ticket.number} from {email}: {ticket.subject}")
    rules.apply(ticket, mailbox_id)
    sla.start(ticket)
    signals.ticket_created.send(ticket)
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
    if direction == IN and not auto:
        sla.customer_wrote(ticket)
        _after_first_message(ticket)
    elif direction == OUT and not auto:
        sla.agent_replied(ticket)
    return message


def _after_first_message(ticket: Ticket) -> None:
    """What the rules left for after the ticket's first message: their notes and canned replies."""
    events, canned_ids = ticket.__dict__.pop("_pending_events", []), ticket.__dict__.pop("_pending_canned", [])
    for line in events:
        add_message(ticket, EVENT, text=line)
    for canned_id in canned_ids:
        send_canned(ticket, canned_id)


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
    sla.status_changed(ticket, old, status)
    audit.record(audit.UPDATE, ticket, user=user, summary=f"Ticket #{ticket.number}: {STATUSES[status]}",
                 changes={"status": (old, status)})
    if status == SOLVED:
        signals.ticket_solved.send(ticket, user=user)


def update(ticket: Ticket, values: dict, user=None) -> dict:
    """Change a ticket's fields (priority, team_id, assignee_id, tags, cc),
    audited; a new priority or team picks the SLA policy again. Returns
    {field: (old, new)}. The ticket page and the API share it."""
    changes = audit.diff(ticket, values)
    if changes:
        touch(ticket)
        if "priority" in changes or "team_id" in changes:
            ticket.team = db.session.get(Team, ticket.team_id) if ticket.team_id else None
            sla.start(ticket)  # the policy that fits may have changed
        audit.record(audit.UPDATE, ticket, user=user, changes=changes, summary=f"Changed ticket #{ticket.number}")
    return changes


def reply(ticket: Ticket, user, text: str, *, status: str | None = None, files=()) -> TicketMessage:
    """Send `text` to the requester and the ticket's CC participants,
    threaded: the ticket number in the subject, In-Reply-To the latest
    message, References the thread. `files` (parsing.Part: filename,
    content_type, data) go as MIME parts and are kept on the message."""
    ids = thread_ids(ticket)
    kept = ids if len(ids) <= REFERENCES_KEPT else ids[:1] + ids[-(REFERENCES_KEPT - 1):]
    headers = {}
    if ids:
        headers["In-Reply-To"] = f"<{ids[-1]}>"
        headers["References"] = " ".join(f"<{i}>" for i in kept)
    team = ticket.team
    if team and team.address:
        headers["Reply-To"] = team.address
    cc = cc_list(ticket)
    if cc:
        headers["Cc"] = ", ".join(cc)
    subject = subjects.with_number(ticket.subject, ticket.number)
    sent = mail.send(ticket.requester_email, subject, text, category="helpdesk.reply", headers=headers,
                     attachments=[(f.filename, f.content_type, f.data) for f in files])
    message = add_message(ticket, OUT, text=text, from_address=(team.address if team else ""),
                          from_name=getattr(user, "name", ""), to=ticket.requester_email, cc=", ".join(cc),
                          subject=subject, message_id=sent.message_id.strip("<>"),
                          in_reply_to=headers.get("In-Reply-To", ""), references=headers.get("References", ""),
                          author_id=user.id, mail_message_id=sent.id, files=files)
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
    team = ticket.team
    text, html = canned.fill((team.ack_body if team else "") or canned.DEFAULT_ACK,
                             (team.ack_format if team and team.ack_body else "markdown"), ticket)
    sent = mail.send(ticket.requester_email, subject, text, html, category="helpdesk.ack", headers=headers)
    return add_message(ticket, OUT, text=text, to=ticket.requester_email, subject=subject, auto=True,
                       message_id=sent.message_id.strip("<>"), in_reply_to=headers.get("In-Reply-To", ""),
                       mail_message_id=sent.id)


def send_canned(ticket: Ticket, canned_id: int) -> TicketMessage | None:
    """A canned reply a rule sends: automatic (Auto-Submitted: auto-replied),
    so it does not count as the team's first response."""
    reply_text = db.session.get(CannedReply, canned_id)
    if reply_text is None:
        return None
    ids = thread_ids(ticket)
    headers = {"Auto-Submitted": "auto-replied"}
    if ids:
        headers["In-Reply-To"] = headers["References"] = f"<{ids[-1]}>"
    if ticket.team and ticket.team.address:
        headers["Reply-To"] = ticket.team.address
    subject = subjects.with_number(ticket.subject, ticket.number)
    text, html = canned.fill(reply_text.body, reply_text.format, ticket)
    sent = mail.send(ticket.requester_email, subject, text, html, category="helpdesk.rule", headers=headers)
    return add_message(ticket, OUT, text=text, to=ticket.requester_email, subject=subject, auto=True,
                       from_name=ticket.team.name if ticket.team else "", message_id=sent.message_id.strip("<>"),
                       in_reply_to=headers.get("In-Reply-To", ""), mail_message_id=sent.id)


def cc_list(ticket: Ticket) -> list[str]:
    """The ticket's CC participants, without the requester."""
    seen = {(ticket.requester_email or "").lower()}
    out = []
    for address in (ticket.cc or "").replace(";", ",").split(","):
        address = address.strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


REOPEN_FROM = (SOLVED, WAITING)
