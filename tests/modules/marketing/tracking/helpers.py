"""Reading what a tracked campaign sent: the links and pixel of each
received message, and following them through the app as a mail reader's
browser would (no cookies)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from urllib.parse import urlsplit

HREF = re.compile(r'href="([^"]+)"')
IMG = re.compile(r'<img src="([^"]+/marketing/o/[^"]+)"')


def messages(smtp) -> dict[str, object]:
    """Each received message (EmailMessage) by its recipient address."""
    return {r.rcpt_tos[0]: message_from_bytes(r.content, policy=policy.default) for r in smtp.inbox.received}


def html_of(msg) -> str:
    return msg.get_body(("html",)).get_content()


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def hrefs(msg) -> list[str]:
    import html

    return [html.unescape(h) for h in HREF.findall(html_of(msg))]


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def pixel(msg) -> str | None:
    import html

    found = IMG.search(html_of(msg))
    return html.unescape(found.group(1)) if found else None


def follow(client, url: str, **headers):
    """GET the tracked address as a mail reader would (the tests call it
    before signing in: no session cookie)."""
    return client.get(path(url), headers=headers)
