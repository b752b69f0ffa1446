"""A campaign's results. "Delivered" is sent minus the messages that
bounced; each other figure counts messages (recipients), not events,
except total clicks. They are read from the campaign's tally (tally.py,
kept by the writers of events and clicks); a campaign without one is
counted from its events and clicks (grouped queries on indexed columns),
which gives the same figures, slower at hundreds of thousands of rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from modules.marketing.campaign_models import Click, Link, LinkTally
from modules.marketing.tracking import tally


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


def for_campaigns(campaigns) -> dict[int, Stats]:
    """Summary counts of many campaigns (the list page): their tallies in
    one query, and two grouped queries for those without one."""
    ids = [c.id for c in campaigns]
    if not ids:
        return {}
    figures = _figures(ids)
    return {c.id: Stats(sent=c.sent_count, **figures.get(c.id, {})) for c in campaigns}


def _figures(ids: list[int]) -> dict[int, dict[str, int]]:
    figures = tally.stored(ids)
    missing = [cid for cid in ids if cid not in figures]
    if missing:
        figures.update(tally.counted(missing))
    return figures


def for_campaign(campaign) -> Stats:
    """Everything the campaign page shows, with each link's clicks."""
    kept = tally.stored([campaign.id]).get(campaign.id)
    stats = Stats(sent=campaign.sent_count, **(kept or tally.counted([campaign.id]).get(campaign.id, {})))
    if kept is not None:
        people, clicks = LinkTally.people, LinkTally.clicks
        counts = select(Link.position, Link.url, people, clicks).outerjoin(LinkTally, LinkTally.link_id == Link.id)
    else:
        per_link = (select(Click.link_id, func.count().label("people"), func.sum(Click.count).label("clicks"))
                    .where(Click.campaign_id == campaign.id).group_by(Click.link_id).subquery())
        counts = select(Link.position, Link.url, per_link.c.people, per_link.c.clicks).outerjoin(
            per_link, per_link.c.link_id == Link.id)
    stats.links = [LinkStats(position, url, people or 0, clicks or 0) for position, url, people, clicks in
                   db.session.execute(counts.where(Link.campaign_id == campaign.id).order_by(Link.position)
                                      .limit(200))]
    return stats
