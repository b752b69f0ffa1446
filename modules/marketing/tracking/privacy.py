"""A contact's campaign history in a privacy export, and what erasing the
contact removes from it: the address on each message row and the words of
its bounce reports (which quote the address), while the rows, and so the
campaigns' counts, stay."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from modules.marketing.campaign_models import Campaign, Click, Event, Link, Recipient

WORDY = ("bounce_hard", "bounce_soft", "complaint")


def export(contact_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Recipient.id, Recipient.email, Recipient.status, Recipient.sent_at, Recipient.variant, Campaign.name)
        .join(Campaign, Campaign.id == Recipient.campaign_id).where(Recipient.contact_id == contact_id)
        .order_by(Recipient.id)).all()
    ids = [r.id for r in rows]
    events: dict[int, list] = {}
    clicks: dict[int, list] = {}
    if ids:
        for recipient_id, kind, at in db.session.execute(
                select(Event.recipient_id, Event.kind, Event.at).where(Event.recipient_id.in_(ids))
                .order_by(Event.id)):
            events.setdefault(recipient_id, []).append({"what": kind, "at": at.isoformat()})
        for recipient_id, url, first, count in db.session.execute(
                select(Click.recipient_id, Link.url, Click.first_at, Click.count)
                .join(Link, Link.id == Click.link_id).where(Click.recipient_id.in_(ids)).order_by(Click.id)):
            clicks.setdefault(recipient_id, []).append({"link": url, "first_at": first.isoformat(), "count": count})
    return [{"campaign": r.name, "email": r.email, "status": r.status,
             "sent_at": r.sent_at.isoformat() if r.sent_at else None, "subject_variant": r.variant.lower() or None,
             "events": events.get(r.id, []), "clicks": clicks.get(r.id, [])} for r in rows]


def erase(contact_id: int) -> None:
    ids = select(Recipient.id).where(Recipient.contact_id == contact_id)
    db.session.execute(update(Event).where(Event.recipient_id.in_(ids), Event.kind.in_(WORDY)).values(detail="")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Recipient).where(Recipient.contact_id == contact_id).values(email="", related=None)
                       .execution_options(synchronize_session=False))
