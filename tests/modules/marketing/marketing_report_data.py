"""Hand-built campaign history for the marketing report source and
standard reports (the figures are worked out in the tests' comments).

Spring (started 2026-03-01): Ann, Ben, Cat, Dan sent, Eve failed.
  Ann opened twice and clicked; Ben opened, and a scanner opened (machine);
  Cat bounced hard and soft (one recipient); Dan unsubscribed and complained.
Summer (started 2026-05-10): Ann and Ben sent. Ann opened; Ben clicked.
A drip sequence step sent to Ann (opened), and a draft: neither counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.people import records
from modules.marketing import engagement
from modules.marketing.campaign_models import DRAFT, SENT, SEQUENCE_STEP, Campaign, Event, Link, Recipient
from modules.marketing.tracking import record


def build() -> dict[str, int]:
    ids = {}
    for first in ("Ann", "Ben", "Cat", "Dan", "Eve"):
        contact = records.create("person", {"first_name": first, "last_name": "Reader"})
        db.session.flush()
        ids[first] = contact.id

    def campaign(name, started, status=SENT):
        c = Campaign(name=name, subject=name, body="Hello", status=status, started_at=started)
        db.session.add(c)
        db.session.flush()
        ids[name] = c.id
        return c

    def row(c, who, status="sent", variant=""):
        r = Recipient(campaign_id=c.id, contact_id=ids[who], email=f"{who.lower()}@example.org", status=status,
                      variant=variant, sent_at=c.started_at.replace(hour=10) if status == "sent" else None)
        db.session.add(r)
        db.session.flush()
        return r

    def events(c, r, *kinds):
        for kind in kinds:
            if kind == "click":  # as the tracking redirect records it: a row of marketing_click
                link = db.session.query(Link).filter_by(campaign_id=c.id).first()
                if link is None:
                    link = Link(campaign_id=c.id, position=1, url="https://example.org/news")
                    db.session.add(link)
                    db.session.flush()
                assert record.click(c.id, r.id, link.id) == link.url
            else:
                db.session.add(Event(campaign_id=c.id, recipient_id=r.id, kind=kind, at=c.started_at))

    spring = campaign("Spring", datetime(2026, 3, 1, 9, tzinfo=UTC))
    events(spring, row(spring, "Ann", variant="a"), "delivered", "open_human", "open_human", "click")
    events(spring, row(spring, "Ben", variant="b"), "open_human", "open_machine")
    events(spring, row(spring, "Cat", variant="a"), "bounce_hard", "bounce_soft")
    events(spring, row(spring, "Dan", variant="b"), "unsubscribe", "complaint")
    row(spring, "Eve", status="failed")
    summer = campaign("Summer", datetime(2026, 5, 10, 9, tzinfo=UTC))
    events(summer, row(summer, "Ann"), "open_human")
    events(summer, row(summer, "Ben"), "click")
    step = campaign("Welcome step", datetime(2026, 4, 1, 9, tzinfo=UTC), SEQUENCE_STEP)
    events(step, row(step, "Ann"), "open_human")
    campaign("Autumn draft", datetime(2026, 9, 1, 9, tzinfo=UTC), DRAFT)
    for c in (spring, summer, step):  # the count the sending job keeps with the rows it sends
        c.sent_count = db.session.scalar(select(func.count()).select_from(Recipient).where(
            Recipient.campaign_id == c.id, Recipient.status == "sent"))
    engagement.rebuild()  # the rows went in by hand, not through the sending pipeline that keeps it
    db.session.commit()
    return ids
