"""A template's format, "markdown" or "html", and how each becomes the
HTML a reader gets. The order is what makes a merge value unable to inject
Markdown or markup:

1. Markdown → HTML, on the template's source alone (markdown.py keeps the
   Jinja tags intact, block tags as blocks); an HTML template is used as is;
2. the sandbox fills the HTML in (sandbox.py): every merge value is
   autoescaped, so "*Bob* <b>x</b>" prints literally;
3. nh3 sanitises the result (sanitise.py): no script, no on* attribute, no
   javascript: link, whether the template's author or a merge value (a URL
   in a link) brought it.

A check on save reads the source as written (names_used), so a syntax
error's line number is the line the author sees, in either format.
"""

from __future__ import annotations

from app.templating import errors, sandbox
from app.templating.limits import Limits
from app.templating.limits import current as current_limits
from app.templating.markdown import to_html
from app.templating.sanitise import clean

MARKDOWN, HTML = "markdown", "html"
FORMATS = {MARKDOWN: "Markdown", HTML: "HTML"}


def html_source(source: str, format: str) -> str:
    """The HTML template `source` in `format` stands for."""
    if format == MARKDOWN:
        return to_html(source)
    if format == HTML:
        return source
    raise ValueError(f"unknown template format {format!r}")


def render_html(source: str, context: dict, format: str, limits: Limits | None = None) -> str:
    """`source` in `format` filled in with `context`: sanitised HTML.
    TemplateProblem as render() raises it."""
    limits = limits or current_limits()
    if len(source) > limits.source:  # before any conversion
        raise errors.source_too_long(limits)
    return clean(sandbox.render(html_source(source, format), context, limits))
