"""What must hold before a campaign is sent, each failing item with its
message for the field it belongs to: the subject is set, an unsubscribe
link is in the body or the layout, the sender is verified, the audience is
not empty, every link is a well-formed web address, and the message renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.templating import TemplateProblem, names_used
from app.templating.formats import html_source
from modules.marketing import audience, rendering

HREF = re.compile(r"""href\s*=\s*(["'])(.*?)\1""", re.I | re.S)
SCHEMES = {"http", "https", "mailto", "tel"}


@dataclass(frozen=True)
class Item:
    field: str  # the form field it shows next to
    label: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


HOST = re.compile(r"^(localhost|[\w-]+(\.[\w-]+)*\.[a-z]{2,}|\d{1,3}(\.\d{1,3}){3})(:\d{1,5})?$", re.I)


def bad_link(url: str) -> bool:
    """Not a web, mail or phone address (a merge field standing for the
    whole link, such as {{ unsubscribe_url }}, is filled in by Steward)."""
    url = url.strip()
    if url.startswith("{{"):
        return False
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or any(c.isspace() for c in url):
        return True
    return scheme in ("http", "https") and not HOST.match(parts.netloc.rsplit("@", 1)[-1])


def links(source: str, format: str) -> list[str]:
    try:
        return [m.group(2) for m in HREF.finditer(html_source(source or "", format))]
    except ValueError:
        return []


def _uses(source: str, name: str) -> bool:
    try:
        return name in names_used(source or "")
    except TemplateProblem:
        return False


def run(campaign) -> list[Item]:
    items = [Item("subject", "A subject", "" if (campaign.subject or "").strip() else "Write a subject.")]
    layout = rendering.layout_of(campaign)
    has_unsubscribe = _uses(campaign.body, "unsubscribe_url") or (layout is not None and
                                                                  _uses(layout.body, "unsubscribe_url"))
    items.append(Item("body", "An unsubscribe link", "" if has_unsubscribe else
                      "Neither the body nor the layout has {{ unsubscribe_url }}: add the unsubscribe link."))
    sender = campaign.sender
    items.append(Item("sender_id", "A verified sender", "" if sender is not None and sender.verified_at else
                      "Choose a verified sender." if sender is None else f"{sender.email} is not verified yet."))
    n, capped = audience.estimate(campaign)
    items.append(Item("segments", "Someone to send to", "" if n else
                      "Nobody is in the audience: choose segments, rules or topics with people to email."))
    broken = [u for u in links(campaign.body, campaign.format) if bad_link(u)]
    if layout is not None:
        broken += [u for u in links(layout.body, layout.format) if bad_link(u)]
    items.append(Item("body", "Links are web addresses", "" if not broken else
                      "These links are not well-formed web addresses: " + ", ".join(b[:80] for b in broken[:5])))
    problem = ""
    try:
        rendering.compile_campaign(campaign).render(rendering.sample_context())
    except TemplateProblem as error:
        problem = str(error)
    items.append(Item("body", "The message renders", problem))
    return items


def by_field(items: list[Item]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        if not item.ok:
            out.setdefault(item.field, []).append(item.problem)
    return out


def passed(items: list[Item]) -> bool:
    return all(item.ok for item in items)
