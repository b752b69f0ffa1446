"""The tables of campaigns: verified senders, layouts, campaigns, and the
frozen recipients with their events (docs/marketing.md, "Campaigns").

A campaign's storage is its row, one recipient row per address frozen at
send time, and the events that happen to those rows: never a rendered body
per recipient. Messages are rendered when they are sent, from the campaign
and the recipient row (the template compiled once per campaign).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# A campaign's life. SCHEDULED waits for `scheduled_at`; FREEZING writes its
# recipients; SENDING works through them; PAUSED keeps its cursor (by hand,
# or by itself when too many of a batch failed: `paused_reason` says why).
# TESTING: an A/B test's share is sent and the winner waits for its time
# (`ab_decide_at`); then the rest goes out with the winning subject.
DRAFT, SCHEDULED, FREEZING, SENDING, PAUSED, SENT, CANCELLED, TESTING = (
    "draft", "scheduled", "freezing", "sending", "paused", "sent", "cancelled", "testing")
CAMPAIGN_STATES = {DRAFT: "Draft", SCHEDULED: "Scheduled", FREEZING: "Preparing", SENDING: "Sending",
                   PAUSED: "Paused", SENT: "Sent", CANCELLED: "Cancelled", TESTING: "A/B test: waiting for the winner"}

# An A/B test's phase (Campaign.ab_phase): none, sending the test share, decided.
AB_NONE, AB_TESTING, AB_DECIDED = "", "testing", "decided"
VARIANTS = ("a", "b", "c")
# A drip sequence's step (modules/marketing/sequences/): its text, and the
# recipient rows of the messages it sent; not in the campaigns list.
SEQUENCE_STEP = "sequence"
CAMPAIGN_STATES[SEQUENCE_STEP] = "Sequence step"

# Why an address of the audience was left out when the audience was frozen
# (the counts live in Campaign.excluded, by these keys).
EXCLUSIONS = {"duplicate": "Duplicate addresses", "do_not_email": "Do not email",
              "unsubscribed": "Unsubscribed from the topic", "suppressed": "Suppressed addresses",
              "erased": "Erased or in the trash", "no_email": "No usable email address",
              "excluded_segment": "In an excluded segment"}

# A recipient row's state. QUEUED rows are what is left to send; SENDING is
# written just before a batch goes to the SMTP server (a row still SENDING
# after a worker died is the one message that may arrive twice).
QUEUED, SENDING_ROW, SENT_ROW, FAILED_ROW, DEFERRED_ROW = "queued", "sending", "sent", "failed", "deferred"

# What can happen to a message after it left (marketing_event.kind).
EVENT_KINDS = ("delivered", "bounce_hard", "bounce_soft", "complaint", "unsubscribe", "click", "open_human",
               "open_machine")


class Sender(db.Model):
    """A From address admins keep; campaigns send only from verified ones."""

    __tablename__ = "marketing_sender"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Layout(db.Model):
    """The frame around a campaign's body (header, footer, colours, logo): a
    template in the sandbox, with `{{ content }}` where the body goes."""

    __tablename__ = "marketing_layout"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(10), default="html")  # app/templating/formats.py
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Campaign(db.Model):
    """One email to an audience. `audience` is what the sender chose:
    {"segments": [segment ids], "filters": ["rule", ...] (the contacts
    filter builder's rules), "topics": [topic ids], "exclude_segments":
    [ids], "expand": {"relationship": "<type id>a|b", "per": "each"|"combined"}
    or absent}. Frozen into marketing_recipient when sending starts."""

    __tablename__ = "marketing_campaign"
    __table_args__ = (Index("ix_marketing_campaign_status", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # for staff; the subject is what people see
    subject: Mapped[str] = mapped_column(String(300), default="")
    preheader: Mapped[str] = mapped_column(String(300), default="")
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_sender.id", ondelete="SET NULL"))
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(10), default="markdown")
    layout_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_layout.id", ondelete="SET NULL"))
    # The topic people unsubscribe from with the one-click link (None: from everything).
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_topic.id", ondelete="SET NULL"))
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    track_clicks: Mapped[bool] = mapped_column(Boolean, default=True)
    track_opens: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str] = mapped_column(Text, default="")
    # Freezing: how many of each kind were left out (keys of EXCLUSIONS),
    # and the highest recipient id written, which sending never goes past.
    excluded: Mapped[dict] = mapped_column(JSON, default=dict)
    recipients_total: Mapped[int] = mapped_column(Integer, default=0)
    frozen_max_id: Mapped[int | None] = mapped_column(BigInteger)
    # Sending's checkpoint: every recipient with an id up to here is settled.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("core_job.id", ondelete="SET NULL"))
    # A/B subject test (modules/marketing/ab.py): variant "a" is `subject`,
    # "b" and "c" are `ab_subjects`; `ab_share` percent of the audience is
    # the test, the winner (by `ab_metric`) is picked `ab_wait_minutes` later.
    ab_subjects: Mapped[list] = mapped_column(JSON, default=list)
    ab_share: Mapped[int] = mapped_column(Integer, default=20)
    ab_wait_minutes: Mapped[int] = mapped_column(Integer, default=240)
    ab_metric: Mapped[str] = mapped_column(String(10), default="clicks")
    ab_phase: Mapped[str] = mapped_column(String(10), default=AB_NONE)
    ab_decide_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ab_winner: Mapped[str] = mapped_column(String(1), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sender: Mapped[Sender | None] = relationship()
    layout: Mapped[Layout | None] = relationship()


class Recipient(db.Model):
    """One address of a frozen audience. `related` holds the ids of the
    contacts a relationship expansion reached it through (the students of a
    guardian), for `{{ related.first_name }}` and lists of them."""

    __tablename__ = "marketing_recipient"
    __table_args__ = (Index("ix_marketing_recipient_campaign", "campaign_id", "id"),
                      Index("ix_marketing_recipient_campaign_status", "campaign_id", "status"),
                      Index("ix_marketing_recipient_contact", "contact_id", "id"),
                      Index("ix_marketing_recipient_contact_campaign", "contact_id", "campaign_id"),
                      Index("ix_marketing_recipient_message", "message_id"),
                      Index("ix_marketing_recipient_email", "email", "sent_at"))  # replies to campaigns

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    # SET NULL: erasing a contact keeps the campaign's counts.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts_contact.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))  # lower-cased; emptied by erasure
    related: Mapped[list | None] = mapped_column(JSON)
    variant: Mapped[str] = mapped_column(String(1), default="")  # A/B subject: "", "a", "b"
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(500), default="")


class Event(db.Model):
    """Something that happened to a sent message: delivered, bounced,
    complained, unsubscribed, a click (with its link), an open."""

    __tablename__ = "marketing_event"
    __table_args__ = (Index("ix_marketing_event_recipient", "recipient_id", "kind"),
                      Index("ix_marketing_event_campaign", "campaign_id", "kind", "id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("marketing_recipient.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(2000), default="")  # the link clicked, the bounce's words
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Link(db.Model):
    """One web address found in a campaign's sent messages. Click tracking
    redirects only to these rows (a signed token names the row), so a
    tracked link is never an open redirect."""

    __tablename__ = "marketing_link"
    __table_args__ = (UniqueConstraint("campaign_id", "position", name="uq_marketing_link_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the order first sent
    url: Mapped[str] = mapped_column(String(2000))


class Click(db.Model):
    """A recipient's clicks on one link: the first, the last and how many."""

    __tablename__ = "marketing_click"
    __table_args__ = (UniqueConstraint("recipient_id", "link_id", name="uq_marketing_click_recipient_link"),
                      Index("ix_marketing_click_campaign", "campaign_id", "link_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("marketing_recipient.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("marketing_link.id", ondelete="CASCADE"))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=1)


class EngagementStep(db.Model):
    """Engagement decay's rollup (modules/marketing/engagement.py): per step
    of a person's campaign history, numbered by campaign received (`by`
    "sequence": 1st, 2nd…) or by calendar months since their first
    ("months": 0, 1…), the messages sent and how many were opened and clicked."""

    __tablename__ = "marketing_engagement_step"

    by: Mapped[str] = mapped_column(String(10), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    clicked: Mapped[int] = mapped_column(Integer, default=0)


class EngagementState(db.Model):
    """One row once marketing_engagement_step holds the whole history:
    until then writers leave it alone and the report reads the recipients."""

    __tablename__ = "marketing_engagement_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignTally(db.Model):
    """A campaign's results as the campaign pages show them
    (modules/marketing/tracking/tally.py): per kind of event, the messages
    (recipients) it happened to, each counted once however many events say
    so; the messages with a click and every click. Written with zeros when
    the campaign's audience is frozen, then kept by the writers of events
    and clicks. A campaign without a row (sent before the tally existed,
    or put in by hand) is counted from its events instead."""

    __tablename__ = "marketing_campaign_tally"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)
    bounce_hard: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bounce_soft: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    complaint: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unsubscribe: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    open_human: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    open_machine: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    clicked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # messages with a click
    clicks: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # every click


class LinkTally(db.Model):
    """One tracked link's people (messages that clicked it) and clicks, for
    the campaign page; kept with the campaign's tally (a row from its first click)."""

    __tablename__ = "marketing_link_tally"
    __table_args__ = (Index("ix_marketing_link_tally_campaign", "campaign_id"),)

    link_id: Mapped[int] = mapped_column(ForeignKey("marketing_link.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    people: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    clicks: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
