"""The HTML a user's template may produce, cleaned with nh3 (ammonia): the
tags and attributes of a letter or an email and nothing that runs. Scripts
and styles go with their content; on* attributes go; links keep only web,
mail and phone addresses; images only data: images (a letter's PDF fetches
nothing from the network, pdf.py). Classes stay, for the letter's
stylesheet (align-right, small, ...), and so do style attributes, with the
CSS properties of text and boxes only (an HTML letter centred or coloured
by hand prints so; nothing can be positioned over the page or fetched).

Pages never show a style attribute (the Content-Security-Policy refuses
them): the editor's preview shows the letter `without_styles`."""

from __future__ import annotations

import re

import nh3

TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map", "details", "summary", "nav"}) | {"address", "section", "tfoot"}
ATTRIBUTES = {"*": {"class", "title", "lang", "dir", "style"}, "a": {"href", "hreflang"},
              "img": {"src", "alt", "width", "height"}, "th": {"colspan", "rowspan", "scope"},
              "td": {"colspan", "rowspan"}, "ol": {"start"}, "time": {"datetime"}}
STYLE_PROPERTIES = frozenset("""color background-color font-weight font-style font-size font-family
    text-align text-decoration text-transform line-height letter-spacing vertical-align white-space
    margin margin-top margin-right margin-bottom margin-left padding padding-top padding-right
    padding-bottom padding-left border border-top border-right border-bottom border-left border-color
    border-style border-width border-collapse width max-width min-width height""".split())
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
                        clean_content_tags={"script", "style"}, filter_style_properties=STYLE_PROPERTIES)
    return EMPTY_LIST.sub("", cleaned.replace(' style=""', ""))  # a style none of whose properties stayed


def without_styles(html: str) -> str:
    """Clean HTML without its style attributes, for a page of the app."""
    attributes = {tag: names - {"style"} for tag, names in ATTRIBUTES.items()}
    return nh3.clean(html, tags=TAGS, attributes=attributes, url_schemes=SCHEMES, attribute_filter=_urls,
                     clean_content_tags={"script", "style"})
