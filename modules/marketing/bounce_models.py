"""What bounced or complained, one row per report (a DSN from the bounce
mailbox, an SES or Postmark webhook): the log admins read, the count the
soft-bounce rule reads, and, by `source_key`, the guard that a report sent
twice (a webhook retried, a DSN fetched again) is acted on once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"
BOUNCE_KINDS = {HARD: "Hard bounce", SOFT: "Soft bounce", COMPLAINT: "Complaint"}
SOURCES = {"mailbox": "Bounce mailbox", "ses": "Amazon SES", "postmark": "Postmark"}


class Bounce(db.Model):
    __tablename__ = "marketing_bounce"
    __table_args__ = (Index("ix_marketing_bounce_email_kind", "email", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    kind: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    # "mailbox:<message key>:<address>", "ses:<SNS MessageId>:<address>", ...
    source_key: Mapped[str] = mapped_column(String(400), unique=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                                     ForeignKey("marketing_recipient.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
