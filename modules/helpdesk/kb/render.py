"""An article's Markdown as safe HTML: markdown-it-py, then nh3 (the core's
Markdown and sanitiser, app/templating/), without style attributes (the
pages' Content-Security-Policy refuses them)."""

from __future__ import annotations

import re

from app.templating import markdown, sanitise
from modules.contacts.lists.search import fold

SLUG_MAX = 120


def to_html(body: str) -> str:
    return sanitise.without_styles(markdown.to_html(body or ""))


def slugify(text: str) -> str:
    """"How do I get a receipt?" -> "how-do-i-get-a-receipt"."""
    return re.sub(r"\s+", "-", fold(text or ""))[:SLUG_MAX].strip("-") or "article"


def plain(body: str) -> str:
    """The words of a Markdown body, for the search index and excerpts."""
    return re.sub(r"[#*_`>\[\]()!|~-]+", " ", body or "")
