"""Helpdesk tables: teams (queues), tickets, their messages and attachments.

A ticket's number is what people quote ("#1042"): its id plus 1000, so it
never looks like a small count. Every Message-ID a ticket has seen, in or
out, is a row of `helpdesk_message` (indexed), which is what threading by
In-Reply-To/References looks up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

NUMBER_OFFSET = 1000

NEW, OPEN, WAITING, ON_HOLD, SOLVED, CLOSED, MERGED = "new", "open", "waiting", "on_hold", "solved", "closed", "merged"
STATUSES = {NEW: "New", OPEN: "Open", WAITING: "Waiting on customer", ON_HOLD: "On hold", SOLVED: "Solved",
            CLOSED: "Closed", MERGED: "Merged"}
ACTIVE = (NEW, OPEN, WAITING, ON_HOLD)
PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
CHANNELS = {"email": "Email", "web": "Web form", "portal": "Portal", "phone": "Phone", "in_person": "In person",
            "api": "API"}
IN, OUT, NOTE, EVENT = "in", "out", "note", "event"


class Team(db.Model):
    """A queue. Mail to `address` (read by mailbox `mailbox_id`) lands here."""

    __tablename__ = "helpdesk_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(254), default="")
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("core_mailbox.id", ondelete="SET NULL"), index=True)
    acknowledge: Mapped[bool] = mapped_column(Boolean, default=False)
    # The acknowledgement's text (core template editor); "" means the built-in wording.
    ack_body: Mapped[str] = mapped_column(Text, default="")
    ack_format: Mapped[str] = mapped_column(String(10), default="markdown")
    # Who gets the escalation email when a ticket of this team breaches its SLA.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))


class Ticket(db.Model):
    __tablename__ = "helpdesk_ticket"
    __table_args__ = (
        Index("ix_helpdesk_ticket_status", "status", "id"),
        Index("ix_helpdesk_ticket_team", "team_id", "status", "id"),
        Index("ix_helpdesk_ticket_assignee", "assignee_id", "status", "id"),
        Index("ix_helpdesk_ticket_requester", "requester_id", "id"),
        Index("ix_helpdesk_ticket_thread", "requester_email", "subject_key", "last_message_at"),
        # Queues sorted by due time (sla.py keeps due_at up to date on every event).
        Index("ix_helpdesk_ticket_due", "due_at", "id"),
        Index("ix_helpdesk_ticket_team_due", "team_id", "due_at", "id"),
        Index("ix_helpdesk_ticket_assignee_due", "assignee_id", "due_at", "id"),
        # The response and resolution times report (reports/times.py) reads a median as the middle
        # row of one of these, in time order, per team and for all teams; each holds all the report
        # filters on, so the rows themselves are never read (ticket_times.py).
        Index("ix_helpdesk_ticket_response_time", "team_id", "response_us", "created_at", "channel", "status",
              sqlite_where=text("response_us IS NOT NULL"), postgresql_where=text("response_us IS NOT NULL")),
        Index("ix_helpdesk_ticket_response_time_all", "response_us", "created_at", "channel", "status", "team_id",
              sqlite_where=text("response_us IS NOT NULL"), postgresql_where=text("response_us IS NOT NULL")),
        Index("ix_helpdesk_ticket_resolution_time", "team_id", "resolution_us", "created_at", "channel", "status",
              sqlite_where=text("resolution_us IS NOT NULL"), postgresql_where=text("resolution_us IS NOT NULL")),
        Index("ix_helpdesk_ticket_resolution_time_all", "resolution_us", "created_at", "channel", "status",
              "team_id", sqlite_where=text("resolution_us IS NOT NULL"),
              postgresql_where=text("resolution_us IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    # The subject without Re:/Fwd:/[#1042], folded: the fallback threading key.
    subject_key: Mapped[str] = mapped_column(String(300), default="")
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="SET NULL"))
    requester_email: Mapped[str] = mapped_column(String(254), default="")
    cc: Mapped[str] = mapped_column(Text, default="")  # comma-separated addresses
    # active_history: the ticket reports' rollup (ticket_days.py) takes out what a changed ticket counted for.
    status: Mapped[str] = mapped_column(String(20), default=NEW, active_history=True)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_team.id", ondelete="SET NULL"),
                                                active_history=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    tags: Mapped[str] = mapped_column(String(500), default="")
    channel: Mapped[str] = mapped_column(String(20), default="email", active_history=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_ticket.id", ondelete="SET NULL"))
    # Bumped by every message and change: a reply posts the version it was
    # written against, so a second agent's reply is held back (views/ticket.py).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, active_history=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    # A follow-up (a reply to a closed ticket) points at the ticket it follows.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_ticket.id", ondelete="SET NULL"))
    # SLA (sla.py): each target's due time, the earliest still running in due_at
    # (NULL while waiting on the customer or when no target runs).
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_sla_policy.id", ondelete="SET NULL"))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0)  # business minutes spent waiting, in all
    # When the breach check (schedule helpdesk.sla) next has to look: the earliest target not yet breached.
    sla_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    breached: Mapped[str] = mapped_column(String(200), default="")  # which targets were missed, in words
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Microseconds from created_at to first_responded_at and to solved_at (NULL until then), kept
    # by ticket_times.py at every flush: what the times report ranks for its medians.
    response_us: Mapped[int | None] = mapped_column(BigInteger)
    resolution_us: Mapped[int | None] = mapped_column(BigInteger)

    team: Mapped[Team | None] = relationship(lazy="joined")
    messages: Mapped[list[TicketMessage]] = relationship(back_populates="ticket", order_by="TicketMessage.id")

    @property
    def number(self) -> int:
        return self.id + NUMBER_OFFSET

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class TicketMessage(db.Model):
    __tablename__ = "helpdesk_message"
    __table_args__ = (Index("ix_helpdesk_message_ticket", "ticket_id", "id"),
                      Index("ix_helpdesk_message_to", "to", "created_at"))  # the acknowledgement cap

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_ticket.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))  # in / out / note / event
    from_address: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    to: Mapped[str] = mapped_column(Text, default="")
    cc: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    in_reply_to: Mapped[str] = mapped_column(String(255), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")  # the whole text, quoted history included
    new_text: Mapped[str] = mapped_column(Text, default="")  # what is new: shown unfolded
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised (nh3)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    mail_message_id: Mapped[int | None] = mapped_column(ForeignKey("core_mail_message.id", ondelete="SET NULL"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("core_inbound_message.id", ondelete="SET NULL"))
    auto: Mapped[bool] = mapped_column(Boolean, default=False)  # an auto-reply: never answered automatically
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[TicketAttachment]] = relationship(lazy="selectin", order_by="TicketAttachment.id")


class TicketAttachment(db.Model):
    """A file of a message, stored under instance/helpdesk/ by a name of our own."""

    __tablename__ = "helpdesk_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # safe, for display and download
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(300), default="")  # relative to instance/; "" when refused
    note: Mapped[str] = mapped_column(String(300), default="")  # why it was not kept


# The ticket reports' rollup and the flush listener that keeps it.
from modules.helpdesk import ticket_days as _ticket_days  # noqa: E402,F401
from modules.helpdesk import ticket_times as _ticket_times  # noqa: E402,F401
from modules.helpdesk.automation_models import (  # noqa: E402,F401  (one import loads every table)
    BusinessHours,
    CannedReply,
    Holiday,
    Rule,
    SlaPolicy,
)

# The knowledge base, portal and survey tables live beside their code.
from modules.helpdesk.kb import models as _kb_models  # noqa: E402,F401
from modules.helpdesk.portal import models as _portal_models  # noqa: E402,F401
from modules.helpdesk.surveys import models as _survey_models  # noqa: E402,F401
