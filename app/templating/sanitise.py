"""The HTML a user's template may produce, cleaned with nh3 (ammonia): the
tags and attributes of a letter or an email and nothing that runs. Scripts
and styles go with their content; on* and style attributes go; links keep
only web, mail and phone addresses; images only data: images (a letter's
PDF fetches nothing from the network, pdf.py). Classes stay, for the
letter's stylesheet (align-right, small, ...)."""

from __future__ import annotations

import re

import nh3

TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map", "details", "summary", "nav"}) | {"address", "section", "tfoot"}
ATTRIBUTES = {"*": {"class", "title", "lang", "dir"}, "a": {"href", "hreflang"},
              "img": {"src", "alt", "width", "height"}, "th": {"colspan", "rowspan", "scope"},
              "td": {"colspan", "rowspan"}, "ol": {"start"}, "time": {"datetime"}}
SCHEMES = {"http", "https", "mailto", "tel", "data"}
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);", re.I)
# A list whose items were all left out by an {% if %} (markdown.py keeps such tags inside the list).
EMPTY_LIST = re.compile(r"<(ul|ol)(?: [^>]*)?>\s*</\1>\n?")


def _urls(tag: str, attribute: str, value: str) -> str | None:
    """data: URLs as an image's source only, and only of raster images."""
    if attribute in ("href", "src") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attribute == "src" and DATA_IMAGE.match(value.strip()) else None
    return value


def clean(html: str) -> str:
    cleaned = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, attribute_filter=_urls,
                        clean_content_tags={"script", "style"})
    return EMPTY_LIST.sub("", cleaned)
