"""The tables of drip sequences (docs/marketing.md, "Drip sequences").

A sequence is a named series of steps for one topic. Each step's message
lives in a campaign row of status "sequence" (its "carrier"), so a step is
written, rendered and sent exactly as a campaign is, and each message sent is
a marketing_recipient row of that campaign: bounces (VERP), the view in the
browser link, clicks and the one-click unsubscribe work unchanged.

An enrolment is one contact's way through one sequence, once (unique).
`steps_sent` says how far they are; the next step is due at
`entered_at` + the waits up to it. A run claims due enrolments with a
conditional UPDATE (`claim`, `claimed_at`) before sending, so two runs never
send one step twice; `recipient_id` is the message of the step in flight,
sent again only when a worker died before settling it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

ACTIVE, PAUSED = "active", "paused"
SEQUENCE_STATES = {ACTIVE: "Active", PAUSED: "Paused"}

# How contacts enter (Sequence.trigger).
SEGMENT, SIGNUP, FIRST_GIFT, ANY_GIFT, BY_HAND = "segment", "signup", "first_gift", "gift", "manual"
TRIGGERS = {SEGMENT: "Joining a segment (checked every few minutes)",
            SIGNUP: "Confirming a sign-up to the sequence's topic",
            FIRST_GIFT: "Their first gift (needs Pipeline & giving)",
            ANY_GIFT: "Any gift recorded (needs Pipeline & giving)",
            BY_HAND: "Only when added by hand"}

# An enrolment's state, and why one left.
IN_PROGRESS, FINISHED, LEFT = "active", "finished", "left"
LEFT_REASONS = {"unsubscribed": "Unsubscribed from the topic", "unsubscribed_all": "Unsubscribed from everything",
                "suppressed": "Address suppressed", "do_not_email": "Do not email", "no_email": "No usable email",
                "erased": "Erased or in the trash", "removed": "Removed by hand"}


class Sequence(db.Model):
    __tablename__ = "marketing_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_topic.id", ondelete="SET NULL"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_sender.id", ondelete="SET NULL"))
    layout_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_layout.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(20), default=BY_HAND)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_segment.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=PAUSED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    steps: Mapped[list[Step]] = relationship(order_by="Step.position", back_populates="sequence",
                                             cascade="all, delete-orphan")


class Step(db.Model):
    """One message of a sequence: its wait (hours after the step before, or
    after entering for the first) and its carrier campaign (the text)."""

    __tablename__ = "marketing_sequence_step"
    __table_args__ = (UniqueConstraint("sequence_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("marketing_sequence.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ...
    wait_hours: Mapped[int] = mapped_column(Integer, default=0)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"), unique=True)

    sequence: Mapped[Sequence] = relationship(back_populates="steps")
    campaign = relationship("Campaign")


class Enrolment(db.Model):
    __tablename__ = "marketing_enrolment"
    __table_args__ = (UniqueConstraint("sequence_id", "contact_id"),
                      # Due steps: per sequence, those at a step, oldest entry first.
                      Index("ix_marketing_enrolment_due", "sequence_id", "status", "steps_sent", "entered_at"),
                      Index("ix_marketing_enrolment_contact", "contact_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("marketing_sequence.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=IN_PROGRESS)
    steps_sent: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40), default="")  # the trigger that enrolled them
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # finished or left
    left_reason: Mapped[str] = mapped_column(String(20), default="")
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                                     ForeignKey("marketing_recipient.id", ondelete="SET NULL"))
