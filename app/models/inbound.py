"""Inbound mail (app/intake/): the mailboxes administrators connect, and
each message taken from them, once per Message-ID."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Mailbox(db.Model):
    """Where a module's mail arrives. `kind` names the module's MailboxKind;
    with a `host` the intake polls it over IMAP, without one it only takes
    what a pipe command hands it (`flask mail receive`)."""

    __tablename__ = "core_mailbox"

    SECURITY = {"ssl": "TLS from the start (port 993)", "starttls": "STARTTLS (port 143)",
                "none": "None (only on a private network)"}
    AFTER = {"seen": "Mark it read and leave it", "move": "Move it to another folder", "delete": "Delete it"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int] = mapped_column(Integer, default=993)
    security: Mapped[str] = mapped_column(String(20), default="ssl")
    username: Mapped[str] = mapped_column(String(255), default="")
    password: Mapped[str] = mapped_column(String(255), default="")
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    after: Mapped[str] = mapped_column(String(20), default="seen")
    move_to: Mapped[str] = mapped_column(String(255), default="")
    # Where the last poll stopped: messages with a higher UID are new, as
    # long as the folder keeps its UIDVALIDITY.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InboundMessage(db.Model):
    """One message taken in. `message_key` is its Message-ID (or, without
    one, a hash of its bytes): the same message fetched twice, or piped
    and polled, is handled once. RECEIVED: stored, its handler not (yet)
    finished. The raw bytes stay for retrying; those of handled messages
    are dropped after INTAKE_KEEP_DAYS."""

    __tablename__ = "core_inbound_message"
    __table_args__ = (UniqueConstraint("mailbox_id", "message_key", name="uq_core_inbound_message_key"),
                      Index("ix_core_inbound_message_mailbox", "mailbox_id", "id"),
                      Index("ix_core_inbound_message_status", "status", "id"))

    RECEIVED, HANDLED, FAILED = "received", "handled", "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("core_mailbox.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(255))
    from_address: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # loaded only to read it
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mailbox: Mapped[Mailbox] = relationship()
