"""Marketing's webhook events (docs/webhooks.md), from `subscription_changed`:
one signal, two event types, each payload function keeping its own side."""

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
