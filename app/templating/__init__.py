"""The one service for templates users write: receipts and letters today,
campaign layouts, canned replies and report headers next. Every such
template renders in one sandbox (sandbox.py) with limits on its work, its
time, the size of every text and list it builds, and its output
(limits.py); web requests render in a child process with a memory cap as
well (isolation.py). A module uses it like this:

    from app import templating

    templating.names_used(source)                # the merge fields it reads
    templating.render_isolated(source, context)  # a preview or a check on save, in a web request
    templating.render(source, context)           # in a background job, letter by letter
    templating.render_html(source, context, fmt)  # a template in a format (Markdown or HTML): sanitised HTML
    templating.render_html_isolated(source, context, fmt)  # the same in a child process
    templating.isolated(function, *args)         # several renders in one child process

Each raises TemplateProblem with a message for the template's author, to
show next to the field. The context holds plain values only (dicts,
lists, text, numbers), never a model object; docs/modules.md says more.
Forms that edit such a template use the editor (editor.py and
templates/macros/template_editor.html): docs/modules.md, "Template editor".
"""

from app.templating.errors import LimitReached, TemplateProblem
from app.templating.formats import FORMATS, HTML, MARKDOWN, html_source, render_html
from app.templating.isolation import IsolatedFailure
from app.templating.isolation import run as isolated
from app.templating.limits import Limits
from app.templating.limits import current as current_limits
from app.templating.sandbox import names_used, render

__all__ = ["FORMATS", "HTML", "MARKDOWN", "IsolatedFailure", "LimitReached", "Limits", "TemplateProblem",
           "current_limits", "html_source", "isolated", "names_used", "render", "render_html",
           "render_html_isolated", "render_isolated"]


def render_isolated(source: str, context: dict, limits: Limits | None = None) -> str:
    """render() in a child process with a memory cap and a timeout."""
    limits = limits or current_limits()
    return isolated(render, source, context, limits, limits=limits)


def render_html_isolated(source: str, context: dict, format: str, limits: Limits | None = None) -> str:
    """render_html() in a child process with a memory cap and a timeout."""
    limits = limits or current_limits()
    return isolated(render_html, source, context, format, limits, limits=limits)
