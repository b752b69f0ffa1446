"""The contact timeline's campaign entries: one per campaign message the
contact was sent, saying what became of it (opened, clicked which links,
bounced, complained, unsubscribed). Three bounded queries: the contact's
messages by the (contact_id, id) index, then their events and clicks by
recipient id."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import func, select

from app.extensions import db
from app.permissions import can
from modules.contacts.hooks import TimelineEntry
from modules.marketing.campaign_models import SENT_ROW, SEQUENCE_STEP, Campaign, Click, Event, Link, Recipient

WORDS = {"open_human": "opened", "bounce_hard": "bounced (hard)", "bounce_soft": "bounced (soft)",
         "complaint": "marked it as spam"}


def timeline(contact_id: int, before: datetime | None, limit: int) -> list[TimelineEntry]:
    if not can("marketing.view"):
        return []
    stmt = (select(Recipient.id, Recipient.sent_at, Campaign.id, Campaign.name, Campaign.subject)
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(Recipient.contact_id == contact_id, Recipient.status == SENT_ROW, Recipient.sent_at.is_not(None),
                   Campaign.status != SEQUENCE_STEP))  # a sequence's steps are on its own entries
    if before is not None:
        stmt = stmt.where(Recipient.sent_at < before)
    rows = db.session.execute(stmt.order_by(Recipient.id.desc()).limit(limit)).all()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    events: dict[int, dict[str, str]] = {}
    for recipient_id, kind, detail in db.session.execute(
            select(Event.recipient_id, Event.kind, func.min(Event.detail)).where(Event.recipient_id.in_(ids))
            .group_by(Event.recipient_id, Event.kind)):
        events.setdefault(recipient_id, {})[kind] = detail
    clicks: dict[int, list[str]] = {}
    for recipient_id, url, count in db.session.execute(
            select(Click.recipient_id, Link.url, Click.count).join(Link, Link.id == Click.link_id)
            .where(Click.recipient_id.in_(ids)).order_by(Click.first_at)):
        clicks.setdefault(recipient_id, []).append(url if count == 1 else f"{url} ({count} times)")
    entries = []
    for recipient_id, sent_at, campaign_id, name, subject in rows:
        happened = events.get(recipient_id, {})
        done = ["received"] + [word for kind, word in WORDS.items() if kind in happened]
        if recipient_id in clicks:
            done.insert(2 if "opened" in done else 1, "clicked")
        lines = [f"Subject: {subject}"]
        if recipient_id in clicks:
            lines.append("Clicked: " + ", ".join(clicks[recipient_id][:10]))
        if "unsubscribe" in happened:
            done.append("unsubscribed")
            lines.append(f"Unsubscribed: {happened['unsubscribe'].lower()}")
        entries.append(TimelineEntry(at=sent_at, kind="campaign", title=f"Campaign “{name}”: " + ", ".join(done),
                                     body=" · ".join(lines),
                                     url=url_for("marketing.campaign", campaign_id=campaign_id)))
    return entries
