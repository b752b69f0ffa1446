"""Marketing's answer to the helpdesk's "what does this reply answer?"
(modules/helpdesk/origins.py; declared as `extends={"helpdesk": ...}` in
the manifest, so neither module imports the other): a customer's reply to
a campaign becomes a ticket whose first note links the campaign.

A reply is matched by its In-Reply-To/References against the Message-ID
each recipient's message went out with (marketing_recipient.message_id,
indexed), or, for a client that drops both, by who wrote and where to:
the latest campaign sent to that address within REPLY_DAYS whose Reply-To
(its own, or its sender's) is an address the reply went to."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.links import external_url
from app.models.base import utcnow
from modules.marketing.campaign_models import SENT_ROW, Campaign, Recipient, Sender

REPLY_DAYS = 60


def replied_to(message_ids: list[str], from_address: str, to_addresses: list[str]) -> tuple[str, str] | None:
    campaign_id = None
    if message_ids:
        wanted = [*message_ids, *(f"<{i}>" for i in message_ids)]
        campaign_id = db.session.scalar(select(Recipient.campaign_id).where(Recipient.message_id.in_(wanted))
                                        .limit(1))
    if campaign_id is None and from_address and to_addresses:
        reply_to = func.lower(func.coalesce(func.nullif(Campaign.reply_to, ""), Sender.reply_to))
        campaign_id = db.session.scalar(
            select(Recipient.campaign_id).join(Campaign, Campaign.id == Recipient.campaign_id)
            .outerjoin(Sender, Sender.id == Campaign.sender_id)
            .where(Recipient.email == from_address.lower(), Recipient.status == SENT_ROW,
                   Recipient.sent_at >= utcnow() - timedelta(days=REPLY_DAYS),
                   reply_to.in_([a.lower() for a in to_addresses]))
            .order_by(Recipient.sent_at.desc(), Recipient.id.desc()).limit(1))
    if campaign_id is None:
        return None
    campaign = db.session.get(Campaign, campaign_id)
    return f"the campaign “{campaign.name}”", external_url("marketing.campaign", campaign_id=campaign.id)
