"""Marketing's report source (app/reporting/sources.py): campaign
recipients, one row per address a campaign was frozen to, with what
happened to its message (opened by a person, clicked, bounced,
unsubscribed) and its A/B variant, leading to the contact.

Drip sequences' steps are not campaigns and are left out. A recipient
whose contact was erased keeps its row (the campaign's counts stand) but
leads to no contact."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.reporting.sources import ContactJoin, Field, Source
from modules.marketing.campaign_models import (
    CAMPAIGN_STATES,
    SEQUENCE_STEP,
    Campaign,
    Recipient,
)
from modules.marketing.reports import flags

ROW_STATES = [("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed"),
              ("deferred", "Deferred")]


def _campaign_names():
    return [(n, n) for n in db.session.scalars(select(Campaign.name).where(Campaign.status != SEQUENCE_STEP)
                                               .distinct().order_by(Campaign.name).limit(1000))]


def sources() -> list[Source]:
    from modules.contacts.models import Contact

    recipients = Source(
        name="campaign_recipients", label="Campaign recipients", permission="marketing.view",
        description="Everyone a campaign was sent to, with whether they opened, clicked, bounced or "
                    "unsubscribed.",
        table=Recipient.__table__.join(Campaign.__table__, Campaign.id == Recipient.campaign_id),
        key=Recipient.id,
        fields=[
            Field("campaign", "Campaign", "choice", Campaign.name, groupable=True, choices=_campaign_names),
            Field("campaign_status", "Campaign status", "choice", Campaign.status, groupable=True,
                  choices=lambda: [(k, v) for k, v in CAMPAIGN_STATES.items() if k != SEQUENCE_STEP]),
            Field("campaign_started", "Campaign started", "date", Campaign.started_at, groupable=True),
            Field("sent_at", "Sent at", "date", Recipient.sent_at, groupable=True),
            Field("status", "Status", "choice", Recipient.status, groupable=True, choices=lambda: ROW_STATES),
            Field("opened", "Opened (by a person)", "boolean", flags.happened("open_human"), groupable=True),
            Field("clicked", "Clicked", "boolean", flags.clicked(), groupable=True),
            Field("bounced", "Bounced", "boolean", flags.happened("bounce_hard", "bounce_soft"), groupable=True),
            Field("unsubscribed", "Unsubscribed", "boolean", flags.happened("unsubscribe"), groupable=True),
            Field("complained", "Complained", "boolean", flags.happened("complaint"), groupable=True),
            Field("variant", "A/B variant", "choice", Recipient.variant, groupable=True,
                  choices=lambda: [("", "No test"), ("a", "A"), ("b", "B"), ("c", "C")]),
            Field("recipient_id", "Recipient ID", "number", Recipient.id, filterable=False),
            Field("contact_id", "Contact ID", "number", Recipient.contact_id, groupable=True, filterable=False),
        ],
        contacts=[ContactJoin("recipient", "The recipient", Recipient.contact_id)],
        where=lambda: [Campaign.status != SEQUENCE_STEP,
                       Recipient.contact_id.is_(None)
                       | Recipient.contact_id.in_(select(Contact.id).where(Contact.deleted_at.is_(None)))],
    )
    return [recipients]
