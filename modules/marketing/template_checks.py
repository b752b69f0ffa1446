"""Checks on save of a campaign's templates and layouts: the syntax (with
the line the author sees), unknown merge fields, and a render with sample
values in the sandbox's child process (a sandbox escape or a runaway loop
is refused here, before anything is sent)."""

from __future__ import annotations

from markupsafe import Markup

from app import templating
from app.templating import TemplateProblem
from modules.marketing.rendering import ROOTS, sample_context


def problems(source: str, format: str | None, *, layout: bool = False) -> list[str]:
    """What is wrong with `source` (a body, a subject when `format` is None,
    or a layout), in words for its author."""
    if not (source or "").strip():
        return []
    try:
        names = templating.names_used(source)
    except TemplateProblem as problem:
        return [str(problem)]
    allowed = ROOTS | {"content"} if layout else ROOTS
    unknown = sorted(names - allowed)
    if unknown:
        return [f"There is no merge field called {', '.join('“' + n + '”' for n in unknown)}. "
                "Pick one from the list of merge fields."]
    if layout and "content" not in names:
        return ["Put {{ content }} where each campaign's body goes."]
    context = sample_context()
    if layout:
        context["content"] = Markup("<p>The campaign's body.</p>")
    try:
        if format is None:
            templating.render_isolated(source, context)
        else:
            templating.render_html_isolated(source, context, format)
    except TemplateProblem as problem:
        return [str(problem)]
    return []
