"""The campaign pages' results kept as counters (marketing_campaign_tally,
marketing_link_tally) instead of counting a campaign's events and clicks
on every view: at a million contacts a campaign has hundreds of thousands
of events, and the list shows up to fifty campaigns.

The figures are those tracking/stats.py counts from the rows: per kind of
event the messages it happened to, each once however many events of that
kind a message has (a soft bounce may be reported many times); the
messages with a click, every click; and per link its people and clicks.
So the writers count a message only at its first event of a kind, or its
first click: tracking/record.py (opens, clicks, unsubscribes through the
link) and bounces/record.py (bounces, complaints). Before it checks that a
message has no such event yet, a writer locks the message's row (on
PostgreSQL; SQLite has one writer at a time), so two reports of one message
at the same moment count once (and store one event).

A campaign's row is written with zeros when its audience is frozen (no
message, so no event, exists yet). A campaign without a row is counted
from its rows (stats.py), so the figures never depend on the tally having
been built: a campaign sent before it existed, or a history put in by a
seed or by hand, is only slower until `flask reports rebuild` (the
migration and the seeds rebuild it). Merges move messages between contacts
and erasure empties their addresses; neither changes a campaign's
results, and purging contacts keeps their message rows (SET NULL).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.database import hold_key_lock
from app.extensions import db
from modules.marketing.campaign_models import Campaign, CampaignTally, Click, Event, LinkTally, Recipient

KINDS = ("bounce_hard", "bounce_soft", "complaint", "unsubscribe", "open_human", "open_machine")
FIELDS = (*KINDS, "clicked", "clicks")


def start(campaign_id: int) -> None:
    """The campaign's counters at zero, as its audience is frozen."""
    db.session.execute(delete(LinkTally).where(LinkTally.campaign_id == campaign_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(CampaignTally).where(CampaignTally.campaign_id == campaign_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(CampaignTally.__table__.insert().values(campaign_id=campaign_id))


def lock(recipient_id: int) -> None:
    """Hold the message's row until the caller commits, so that a second
    writer of the same message waits and then sees the first one's rows
    (no key lock: the events and clicks inserted meanwhile refer to it)."""
    hold_key_lock(Recipient.id, recipient_id, no_key=True)


def first_event(recipient_id: int, kind: str) -> bool:
    """Whether the message has no event of this kind yet (locking it when so)."""
    def has() -> bool:
        return db.session.scalar(select(Event.id).where(Event.recipient_id == recipient_id, Event.kind == kind)
                                 .limit(1)) is not None
    if has():
        return False
    lock(recipient_id)
    return not has()


def event(campaign_id: int, kind: str) -> None:
    """A message's first event of `kind` (the caller made sure): one more."""
    column = CampaignTally.__table__.c[kind]
    db.session.execute(update(CampaignTally).where(CampaignTally.campaign_id == campaign_id)
                       .values({column: column + 1}).execution_options(synchronize_session=False))


def click(campaign_id: int, link_id: int, first_on_link: bool, first_of_message: bool) -> None:
    """One click; the first by this message on this link, or on any link."""
    table = CampaignTally.__table__
    kept = db.session.execute(update(table).where(table.c.campaign_id == campaign_id).values(
        clicks=table.c.clicks + 1, clicked=table.c.clicked + int(first_of_message))).rowcount
    if not kept:
        return
    links = LinkTally.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(links).values(link_id=link_id, campaign_id=campaign_id, people=int(first_on_link), clicks=1)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["link_id"], set_={
        "people": links.c.people + stmt.excluded.people, "clicks": links.c.clicks + stmt.excluded.clicks}))


def stored(campaign_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """The tallies of these campaigns (all when None) that have one."""
    stmt = select(CampaignTally.campaign_id, *(CampaignTally.__table__.c[name] for name in FIELDS))
    if campaign_ids is not None:
        stmt = stmt.where(CampaignTally.campaign_id.in_(campaign_ids))
    return {row[0]: dict(zip(FIELDS, row[1:], strict=True)) for row in db.session.execute(stmt)}


def stored_links(campaign_id: int | None = None) -> dict[int, tuple[int, int, int]]:
    """link id -> (campaign id, people, clicks) of links with a click."""
    stmt = select(LinkTally.link_id, LinkTally.campaign_id, LinkTally.people, LinkTally.clicks).where(
        (LinkTally.people != 0) | (LinkTally.clicks != 0))
    if campaign_id is not None:
        stmt = stmt.where(LinkTally.campaign_id == campaign_id)
    return {link_id: (cid, people, clicks) for link_id, cid, people, clicks in db.session.execute(stmt)}


def counted(campaign_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """The same figures counted from the events and clicks (every campaign's
    when None; campaigns with nothing are left out)."""
    events = select(Event.campaign_id, Event.kind, func.count(func.distinct(Event.recipient_id))).where(
        Event.kind.in_(KINDS)).group_by(Event.campaign_id, Event.kind)
    clicks = select(Click.campaign_id, func.count(func.distinct(Click.recipient_id)), func.sum(Click.count)
                    ).group_by(Click.campaign_id)
    if campaign_ids is not None:
        events = events.where(Event.campaign_id.in_(campaign_ids))
        clicks = clicks.where(Click.campaign_id.in_(campaign_ids))
    out: dict[int, dict[str, int]] = {}
    for campaign_id, kind, n in db.session.execute(events):
        out.setdefault(campaign_id, dict.fromkeys(FIELDS, 0))[kind] = n
    for campaign_id, people, total in db.session.execute(clicks):
        row = out.setdefault(campaign_id, dict.fromkeys(FIELDS, 0))
        row["clicked"], row["clicks"] = people, total or 0
    return out


def counted_links() -> dict[int, tuple[int, int, int]]:
    return {link_id: (cid, people, clicks or 0) for link_id, cid, people, clicks in db.session.execute(
        select(Click.link_id, Click.campaign_id, func.count(), func.sum(Click.count))
        .group_by(Click.link_id, Click.campaign_id))}


def in_step() -> bool:
    """Every campaign's tally equals its count from the rows (campaigns
    without a tally are counted from the rows anyway)."""
    have = stored()
    zero = dict.fromkeys(FIELDS, 0)
    counts = counted()
    if any(counts.get(cid, zero) != row for cid, row in have.items()):
        return False
    return stored_links() == {link_id: v for link_id, v in counted_links().items() if v[0] in have}


def rebuild() -> int:
    """Every campaign's tally from its events and clicks; returns the campaigns."""
    counts = counted()
    links = counted_links()
    db.session.execute(delete(LinkTally))
    db.session.execute(delete(CampaignTally))
    zero = dict.fromkeys(FIELDS, 0)
    ids = list(db.session.scalars(select(Campaign.id).order_by(Campaign.id)))
    if ids:
        db.session.execute(CampaignTally.__table__.insert(),
                           [{"campaign_id": cid, **counts.get(cid, zero)} for cid in ids])
    if links:
        db.session.execute(LinkTally.__table__.insert(), [
            {"link_id": link_id, "campaign_id": cid, "people": people, "clicks": clicks}
            for link_id, (cid, people, clicks) in links.items()])
    db.session.flush()
    return len(ids)
