"""The marketing module's tables: subscription topics, each contact's
current subscription to them, the suppression list, the personal keys of
preference links and public sign-ups waiting for confirmation.

The history of every subscription change lives in the contacts consent
ledger (`contacts_consent`, topic key "marketing:<topic id>"); the rows
here hold only the current state, which audiences (campaigns, later) read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# A topic's audience: people who sign up by double opt-in, or existing
# supporters whom staff subscribe (not joinable from the public form).
DOUBLE_OPT_IN, SUPPORTERS = "double_opt_in", "supporters"
TOPIC_KINDS = {DOUBLE_OPT_IN: "Anyone may sign up, confirming by email (double opt-in)",
               SUPPORTERS: "For existing supporters: staff subscribe them; no public sign-up"}
SUBSCRIBED, UNSUBSCRIBED = "subscribed", "unsubscribed"

# Why an address is on the suppression list.
HARD_BOUNCE, COMPLAINT, MANUAL, UNSUBSCRIBED_ALL = "hard_bounce", "complaint", "manual", "unsubscribed"
SOFT_BOUNCES = "soft_bounces"  # the soft-bounce rule: too many within its window (modules/marketing/bounces)
SUPPRESSION_REASONS = {HARD_BOUNCE: "Hard bounce", SOFT_BOUNCES: "Repeated soft bounces", COMPLAINT: "Complaint",
                       MANUAL: "Added by hand", UNSUBSCRIBED_ALL: "Unsubscribed from everything"}


class Topic(db.Model):
    __tablename__ = "marketing_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # Shown on the sign-up form and the preference page.
    description: Mapped[str] = mapped_column(Text, default="")
    # What people agree to when they sign up; stored with their consent.
    consent_wording: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=DOUBLE_OPT_IN)
    on_preference_page: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def key(self) -> str:
        """The topic's name in the contacts consent ledger."""
        return topic_key(self.id)

    @property
    def joinable(self) -> bool:
        return self.kind == DOUBLE_OPT_IN and self.archived_at is None


def topic_key(topic_id: int) -> str:
    return f"marketing:{topic_id}"


class Subscription(db.Model):
    """A contact's current state for one topic (its history: the consent ledger)."""

    __tablename__ = "marketing_subscription"
    __table_args__ = (
        UniqueConstraint("contact_id", "topic_id"),
        # "Subscribed to topic T" and, later, a campaign's audience.
        Index("ix_marketing_subscription_topic_status", "topic_id", "status", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("marketing_topic.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=SUBSCRIBED)
    source: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Suppression(db.Model):
    """An address that is never mailed, whoever holds it."""

    __tablename__ = "marketing_suppression"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))


class PreferenceKey(db.Model):
    """The random key a contact's preference links carry (signed), so a link
    never shows the contact's id. A contact may hold several (merges bring
    the merged contact's along, so its old links keep working)."""

    __tablename__ = "marketing_preference_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingSignup(db.Model):
    """A public sign-up waiting for its confirmation link to be followed."""

    __tablename__ = "marketing_pending_signup"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("marketing_topic.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    wording: Mapped[str] = mapped_column(Text, default="")  # as the form showed it
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # pruned by age
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="SET NULL"))


# Campaigns, their senders, layouts, recipients and events: their own file.
import modules.marketing.sequences.triggers  # noqa: E402, F401 (connects the sequences' signal listeners)
from modules.marketing.bounce_models import Bounce  # noqa: E402, F401
from modules.marketing.campaign_models import (  # noqa: E402, F401
    Campaign,
    Click,
    Event,
    Layout,
    Link,
    Recipient,
    Sender,
)
from modules.marketing.sequences.models import Enrolment, Sequence, Step  # noqa: E402, F401
