"""Marketing's webhook events (docs/webhooks.md), from `subscription_changed`:
one signal, two event types, each payload function keeping its own side;
and `campaign.sent` from `campaign_sent` (counts and ids, never the body)."""

from __future__ import annotations

from app.webhooks import Occurrence


def _data(contact, topic, subscribed: bool, source: str) -> dict:
    return {"id": contact.id, "contact_id": contact.id, "object": "subscription",
            "topic": {"id": topic.id, "name": topic.name, "slug": topic.slug},
            "subscribed": subscribed, "source": source}


def subscribed(contact, topic=None, subscribed=False, source="", **_):
    return [Occurrence(contact.id, _data(contact, topic, True, source), contact.id)] if subscribed else []


def unsubscribed(contact, topic=None, subscribed=False, source="", **_):
    return [] if subscribed else [Occurrence(contact.id, _data(contact, topic, False, source), contact.id)]


def campaign_sent(campaign, **_):
    """About no contact (contact_id None): the campaign's ids, status and counts."""
    finished = campaign.finished_at.strftime("%Y-%m-%dT%H:%M:%SZ") if campaign.finished_at else None
    data = {"id": campaign.id, "object": "campaign", "name": campaign.name, "status": campaign.status,
            "topic_id": campaign.topic_id, "recipients": campaign.recipients_total or 0,
            "sent": campaign.sent_count or 0, "failed": campaign.failed_count or 0, "finished_at": finished}
    return [Occurrence(campaign.id, data, None)]
