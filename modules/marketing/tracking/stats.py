"""A campaign's results, counted from its events and clicks: grouped
queries on indexed columns (marketing_event by campaign and kind,
marketing_click by campaign and link), so they stay quick at millions of
rows. "Delivered" is sent minus the messages that bounced; each other
figure counts messages (recipients), not events, except total clicks."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from modules.marketing.campaign_models import Click, Event, Link

KINDS = ("bounce_hard", "bounce_soft", "complaint", "unsubscribe", "open_human", "open_machine")


@dataclass
class LinkStats:
    position: int
    url: str
    people: int
    clicks: int


@dataclass
class Stats:
    sent: int = 0
    bounce_hard: int = 0
    bounce_soft: int = 0
    complaint: int = 0
    unsubscribe: int = 0
    open_human: int = 0
    open_machine: int = 0
    clicked: int = 0  # people who clicked at least one link
    clicks: int = 0  # every click
    links: list[LinkStats] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return max(0, self.sent - self.bounce_hard - self.bounce_soft)

    def share(self, value: int) -> str:
        return f"{value * 100 / self.delivered:.1f}%" if self.delivered else "—"


def _events(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for campaign_id, kind, n in db.session.execute(
            select(Event.campaign_id, Event.kind, func.count(func.distinct(Event.recipient_id)))
            .where(Event.campaign_id.in_(campaign_ids), Event.kind.in_(KINDS))
            .group_by(Event.campaign_id, Event.kind)):
        out.setdefault(campaign_id, {})[kind] = n
    return out


def _clicks(campaign_ids: list[int]) -> dict[int, tuple[int, int]]:
    return {cid: (people, total or 0) for cid, people, total in db.session.execute(
        select(Click.campaign_id, func.count(func.distinct(Click.recipient_id)), func.sum(Click.count))
        .where(Click.campaign_id.in_(campaign_ids)).group_by(Click.campaign_id))}


def for_campaigns(campaigns) -> dict[int, Stats]:
    """Summary counts of many campaigns (the list page): two queries."""
    ids = [c.id for c in campaigns]
    if not ids:
        return {}
    events, clicks = _events(ids), _clicks(ids)
    return {c.id: Stats(sent=c.sent_count, **events.get(c.id, {}),
                        clicked=clicks.get(c.id, (0, 0))[0], clicks=clicks.get(c.id, (0, 0))[1]) for c in campaigns}


def for_campaign(campaign) -> Stats:
    """Everything the campaign page shows, with each link's clicks."""
    stats = for_campaigns([campaign])[campaign.id]
    per_link = (select(Click.link_id, func.count().label("people"), func.sum(Click.count).label("clicks"))
                .where(Click.campaign_id == campaign.id).group_by(Click.link_id).subquery())
    stats.links = [LinkStats(position, url, people or 0, clicks or 0) for position, url, people, clicks in
                   db.session.execute(select(Link.position, Link.url, per_link.c.people, per_link.c.clicks)
                                      .outerjoin(per_link, per_link.c.link_id == Link.id)
                                      .where(Link.campaign_id == campaign.id).order_by(Link.position).limit(200))]
    return stats
