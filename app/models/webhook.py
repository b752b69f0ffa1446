"""Outgoing webhooks (app/webhooks/): the endpoints administrators
subscribe, the events (messages: the outbox, written in the transaction of the change
they describe), one delivery per event and endpoint, and each attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class WebhookEndpoint(db.Model):
    """A URL that receives the events it chose (`events`: JSON list of
    types), signed with `secret`. After a rotation `previous_secret` signs
    too until `previous_expires_at`, so the receiver can switch over."""

    __tablename__ = "core_webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_email: Mapped[str] = mapped_column(String(254), default="")
    secret: Mapped[str] = mapped_column(String(100))
    secret_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failing since the first failed attempt after a success; deliveries
    # given up in a row. Either past its limit disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    given_up_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookMessage(db.Model):
    """One event (a "message" in Standard Webhooks' words), stored in the transaction of the change it describes, and
    only when an active endpoint wants its type. `uid` is the id receivers
    de-duplicate by (the `webhook-id` header and the payload's `id`)."""

    __tablename__ = "core_webhook_message"
    __table_args__ = (Index("ix_core_webhook_message_contact", "contact_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    record_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)  # the order key; no foreign key: erased stays
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, exactly as sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """An event on its way to one endpoint. PENDING until it is DELIVERED
    (a 2xx answer) or GIVEN_UP (out of attempts, or 410 Gone).
    `locked_until` is a sender's claim, so two jobs never send it at once."""

    __tablename__ = "core_webhook_delivery"
    __table_args__ = (Index("ix_core_webhook_delivery_endpoint", "endpoint_id", "id"),
                      Index("ix_core_webhook_delivery_status", "status", "next_attempt_at"),
                      Index("ix_core_webhook_delivery_order", "endpoint_id", "contact_id", "status", "id"))

    PENDING, DELIVERED, GIVEN_UP = "pending", "delivered", "given_up"
    STATUSES = {PENDING: "Waiting", DELIVERED: "Delivered", GIVEN_UP: "Given up"}

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("core_webhook_endpoint.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("core_webhook_message.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    replay_of_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    message: Mapped[WebhookMessage] = relationship()


class WebhookAttempt(db.Model):
    """One try at a delivery: when, how long, what came back (the body cut
    to a few KB), or why nothing did."""

    __tablename__ = "core_webhook_attempt"
    __table_args__ = (Index("ix_core_webhook_attempt_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("core_webhook_delivery.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    response_body: Mapped[str] = mapped_column(Text, default="")
