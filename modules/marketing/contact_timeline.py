"""Marketing's part of a contact's timeline: the campaigns received (with
opens, clicks, bounces, unsubscribes) and the drip sequences entered and
left, newest first, at most `limit` in all."""

from __future__ import annotations

from datetime import datetime

from modules.contacts.hooks import TimelineEntry
from modules.marketing.sequences import timeline as sequences
from modules.marketing.tracking import timeline as campaigns


def timeline(contact_id: int, before: datetime | None, limit: int) -> list[TimelineEntry]:
    entries = campaigns.timeline(contact_id, before, limit) + sequences.timeline(contact_id, before, limit)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
