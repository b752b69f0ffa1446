"""Recording clicks, opens and unsubscribes against the message (the
recipient row) they came from, and counting them in the campaign's tally
(tally.py) and engagement decay's rollup when they are the message's first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.base import utcnow
from modules.marketing import engagement
from modules.marketing.campaign_models import Click, Event, Link, Recipient
from modules.marketing.tracking import opens, tally


def click(campaign_id: int, recipient_id: int, link_id: int) -> str | None:
    """The link's address, after counting the click (first time and count,
    one row per recipient and link); None when the link is not this
    campaign's. One lookup by primary key, one insert-or-update, the
    campaign's tally; the message's first click on any of its links (found
    with the message locked, so two first clicks at once count once) also
    counts in engagement decay's rollup."""
    link = db.session.execute(select(Link.url, Link.campaign_id).where(Link.id == link_id)).first()
    if link is None or link.campaign_id != campaign_id:
        return None
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Click.__table__).values(campaign_id=campaign_id, recipient_id=recipient_id, link_id=link_id,
                                          first_at=now, last_at=now, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=["recipient_id", "link_id"],
                                      set_={"count": Click.__table__.c.count + 1, "last_at": now})
    try:
        first_on_link = db.session.execute(stmt.returning(Click.__table__.c.count)).scalar_one() == 1
        first_of_message = False
        if first_on_link:
            tally.lock(recipient_id)
            first_of_message = not db.session.scalar(
                select(Click.id).where(Click.recipient_id == recipient_id, Click.link_id != link_id).limit(1))
        tally.click(campaign_id, link_id, first_on_link, first_of_message)
        if first_of_message:
            engagement.engaged(recipient_id, clicked=1)
        db.session.commit()
    except IntegrityError:  # the message's row is gone (its campaign deleted): still take them there
        db.session.rollback()
    return link.url


def open_(campaign_id: int, recipient_id: int, agent: str | None, ip: str | None) -> opens.Verdict | None:
    """One open event per message and kind (human, machine): the first."""
    row = db.session.execute(select(Recipient.campaign_id, Recipient.sent_at).where(
        Recipient.id == recipient_id)).first()
    if row is None or row.campaign_id != campaign_id:
        return None
    verdict = opens.classify(agent, ip, row.sent_at, utcnow())
    if tally.first_event(recipient_id, verdict.kind):
        db.session.add(Event(campaign_id=campaign_id, recipient_id=recipient_id, kind=verdict.kind,
                             detail=verdict.why))
        tally.event(campaign_id, verdict.kind)
        if verdict.kind == "open_human":
            engagement.engaged(recipient_id, opened=1)
        db.session.commit()
    return verdict


def unsubscribe(recipient_id: int | None, contact_id: int, topic_name: str | None) -> None:
    """The unsubscribe event of the message whose link was used (the
    caller commits); nothing when the link named no message of this contact."""
    if recipient_id is None:
        return
    row = db.session.execute(select(Recipient.campaign_id, Recipient.contact_id).where(
        Recipient.id == recipient_id)).first()
    if row is None or row.contact_id != contact_id:
        return
    if not tally.first_event(recipient_id, "unsubscribe"):
        return
    db.session.add(Event(campaign_id=row.campaign_id, recipient_id=recipient_id, kind="unsubscribe",
                         detail=f"From {topic_name}" if topic_name else "From everything"))
    tally.event(row.campaign_id, "unsubscribe")
