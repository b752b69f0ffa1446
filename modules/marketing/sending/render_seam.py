"""Where sending meets the campaign renderer, `modules/marketing/rendering.py`
(`compile_campaign(campaign) -> Compiled`, `Compiled.render(context) ->
(subject, html, text)`, `recipient_context(recipient, contact, related,
links) -> dict`), built beside this package. It is imported lazily, so this
package works before it lands; until then a minimal renderer stands in:
the subject and body through the core's sandbox (app.templating), the plain
part from the HTML."""

from __future__ import annotations

import html as html_lib
import re


def _rendering():
    try:
        from modules.marketing import rendering
    except ImportError:
        return None
    return rendering


def compile_campaign(campaign):
    rendering = _rendering()
    if rendering is not None:
        return rendering.compile_campaign(campaign)
    return _Fallback(campaign.subject or "", campaign.body or "", campaign.format or "markdown")


def recipient_context(recipient, contact, related, links: dict) -> dict:
    rendering = _rendering()
    if rendering is not None:
        return rendering.recipient_context(recipient, contact, related, links)

    def person(c) -> dict:
        return {"first_name": c.first_name or "", "last_name": c.last_name or "", "name": c.display_name or ""}

    return {"contact": {**(person(contact) if contact else {}), "email": recipient.email},
            "related": [person(c) for c in related], "links": links,
            "unsubscribe_url": links.get("unsubscribe", ""), "view_in_browser_url": links.get("view", "")}


class _Fallback:
    def __init__(self, subject: str, body: str, fmt: str):
        self.subject, self.body, self.format = subject, body, fmt

    def render(self, context: dict) -> tuple[str, str, str]:
        from app import templating

        subject = templating.render(self.subject, context).strip()
        html = templating.render_html(self.body, context, self.format)
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>|</p>", "\n", html))).strip()
        return subject, html, text
