"""A hand-built campaign history for the filter and timeline tests: two
sent campaigns and what became of each message (built as the sending
engine and the tracking endpoints store it)."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models.base import utcnow
from modules.marketing.campaign_models import FAILED_ROW, SENT, SENT_ROW, Campaign, Click, Event, Link, Recipient
from tests.modules.marketing.campaign_helpers import person


def history() -> dict:
    """People by first name and the two campaigns (ids). Who did what:

    - Ann: got Appeal (clicked, opened), got News (did nothing); gave (when pipeline is on)
    - Bob: got Appeal, clicked twice, did not give
    - Cat: got Appeal (only Apple's proxy fetched it), got News: hard bounce
    - Dan: got News, opened it
    - Eve: nothing; Fay: Appeal failed to send (never received)
    """
    people = {name: person(name, f"{name.lower()}@example.org") for name in ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay")}
    start = utcnow() - timedelta(days=10)
    appeal = Campaign(name="Spring appeal", subject="Help us this spring", status=SENT, sent_count=3)
    news = Campaign(name="June news", subject="News from June", status=SENT, sent_count=3)
    db.session.add_all([appeal, news])
    db.session.flush()
    link = Link(campaign_id=appeal.id, position=1, url="https://example.org/give")
    db.session.add(link)
    db.session.flush()
    rows = {}
    for campaign, names, day in ((appeal, ("Ann", "Bob", "Cat", "Fay"), 0), (news, ("Ann", "Cat", "Dan"), 5)):
        for name in names:
            failed = name == "Fay"
            row = Recipient(campaign_id=campaign.id, contact_id=people[name].id, email=f"{name.lower()}@example.org",
                            status=FAILED_ROW if failed else SENT_ROW,
                            sent_at=None if failed else start + timedelta(days=day))
            db.session.add(row)
            db.session.flush()
            rows[(campaign.name, name)] = row
    at = start + timedelta(hours=2)
    for key, kind, detail in ((("Spring appeal", "Ann"), "open_human", "A mail app or browser"),
                              (("Spring appeal", "Cat"), "open_machine", "Apple Mail Privacy Protection"),
                              (("June news", "Cat"), "bounce_hard", "550 5.1.1 No such user"),
                              (("June news", "Dan"), "open_human", "A mail app or browser")):
        row = rows[key]
        db.session.add(Event(campaign_id=row.campaign_id, recipient_id=row.id, kind=kind, detail=detail, at=at))
    for name, count in (("Ann", 1), ("Bob", 2)):
        row = rows[("Spring appeal", name)]
        db.session.add(Click(campaign_id=appeal.id, recipient_id=row.id, link_id=link.id, first_at=at, last_at=at,
                             count=count))
    db.session.flush()
    return {"people": {n: c.id for n, c in people.items()}, "appeal": appeal.id, "news": news.id}
