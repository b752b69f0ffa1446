"""What Stripe has told us: every event once (its id is the idempotency
key) with what we did about it, and which gift each Stripe payment became,
so a refund finds its gift."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class StripeEvent(db.Model):
    __tablename__ = "pipeline_stripe_event"
    __table_args__ = (Index("ix_pipeline_stripe_event_received", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(Text, default="")
    gift_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_gift.id", ondelete="SET NULL"), index=True)


class StripePayment(db.Model):
    """A payment intent (or charge, for older integrations) and its gift.
    `refunded` is Stripe's running total of what was refunded, in minor
    units, so a repeated or reordered refund event is applied once."""

    __tablename__ = "pipeline_stripe_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(255), unique=True)  # pi_... or ch_...
    charge_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    gift_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_gift.id", ondelete="SET NULL"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units, as Stripe sent it
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
