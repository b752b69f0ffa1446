"""Rewriting a message's links into tracked ones.

The campaign's link list (marketing_link) is what the redirect may go to.
At the start of a sending run the links of the campaign's messages are
read from a render with sample values and committed (`register`), so a
worker killed mid-batch never leaves a sent token pointing at a link row
that was rolled back; a link that only appears for some people (a merge
field inside the address) is added when first met and committed with its
batch. At most MAX_LINKS per campaign are tracked; beyond that a link is
sent as it is.

Not rewritten: the personal unsubscribe, preference and "view in the
browser" links (they must work as they are, and a one-click unsubscribe
must not pass through a redirect), and anything that is not http(s):
mailto:, tel:, #anchors.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable

from markupsafe import escape
from sqlalchemy import func, select

from app.extensions import db
from app.links import external_url
from modules.marketing.campaign_models import Link
from modules.marketing.tracking import tokens

MAX_LINKS = 200
HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.IGNORECASE)
PIXEL_MARK = "</body>"


def hrefs(html: str) -> list[str]:
    """The web addresses of the links in `html`, in order, each once."""
    seen: dict[str, None] = {}
    for match in HREF.finditer(html):
        url = htmllib.unescape(match.group(2)).strip()
        if trackable(url):
            seen.setdefault(url, None)
    return list(seen)


def trackable(url: str) -> bool:
    return url.lower().startswith(("http://", "https://")) and len(url) <= 2000


class LinkBook:
    """The campaign's links by address (read once per sending run)."""

    def __init__(self, campaign_id: int):
        self.campaign_id = campaign_id
        self.ids: dict[str, int] = {url: i for i, url in db.session.execute(
            select(Link.id, Link.url).where(Link.campaign_id == campaign_id))}
        self.position = db.session.scalar(
            select(func.coalesce(func.max(Link.position), 0)).where(Link.campaign_id == campaign_id))

    def id_for(self, url: str) -> int | None:
        found = self.ids.get(url)
        if found is not None or len(self.ids) >= MAX_LINKS:
            return found
        self.position += 1
        link = Link(campaign_id=self.campaign_id, position=self.position, url=url)
        db.session.add(link)
        db.session.flush()
        self.ids[url] = link.id
        return link.id

    def register(self, html: str) -> None:
        for url in hrefs(html):
            self.id_for(url)


class Tracker:
    """Makes one message's tracked links and pixel. `exempt` are the
    personal links that stay as they are."""

    def __init__(self, campaign, book: LinkBook | None):
        self.campaign_id = campaign.id
        self.book = book if campaign.track_clicks else None
        self.opens = bool(campaign.track_opens)
        self._click = tokens.clicker()
        self._open = tokens.opener()
        self._click_base = external_url("marketing.click", token="T")[:-1]
        self._open_base = external_url("marketing.open_pixel", token="T")[:-1]

    def rewriter(self, recipient_id: int, exempt: set[str]) -> Callable[[str], str] | None:
        if self.book is None:
            return None

        def tracked(url: str) -> str | None:
            if url in exempt or not trackable(url):
                return None
            link_id = self.book.id_for(url)
            if link_id is None:
                return None
            return self._click_base + self._click.dumps([self.campaign_id, recipient_id, link_id])
        return tracked

    def pixel(self, recipient_id: int) -> str:
        if not self.opens:
            return ""
        src = self._open_base + self._open.dumps([self.campaign_id, recipient_id])
        return f'<img src="{escape(src)}" width="1" height="1" alt="">'


def rewrite(html: str, tracked: Callable[[str], str | None]) -> str:
    def sub(match: re.Match) -> str:
        new = tracked(htmllib.unescape(match.group(2)).strip())
        return match.group(0) if new is None else f"{match.group(1)}{escape(new)}{match.group(3)}"
    return HREF.sub(sub, html)


def add_pixel(html: str, img: str) -> str:
    if not img:
        return html
    at = html.rfind(PIXEL_MARK)
    return html + img if at < 0 else html[:at] + img + "\n" + html[at:]


def start(campaign, compiled) -> Tracker | None:
    """A sending run's tracker, or None when the campaign tracks nothing.
    With click tracking, the links of a sample render are registered and
    committed first (see the module's docstring)."""
    if not (campaign.track_clicks or campaign.track_opens):
        return None
    book = None
    if campaign.track_clicks:
        from app.templating import TemplateProblem
        from modules.marketing import rendering

        book = LinkBook(campaign.id)
        sample = rendering.sample_context()
        personal = {sample["unsubscribe_url"], sample["preferences_url"], sample["view_in_browser_url"]}
        try:
            _, html, _ = compiled.render(sample)
        except TemplateProblem:
            html = ""
        for url in hrefs(html):
            if url not in personal:
                book.id_for(url)
        db.session.commit()
    return Tracker(campaign, book)
