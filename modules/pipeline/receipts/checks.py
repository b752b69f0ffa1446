"""What the template editor checks before it saves or previews a receipt
template: the merge fields it reads must be those of its kind of letter,
and it must fill in with made-up values, in a child process, through the
core template service (app.templating), which holds every limit."""

from __future__ import annotations

from app import templating
from modules.pipeline.receipts import fields


def name_problems(source: str, kind: str) -> list[str]:
    """Its syntax, and names that are not merge fields of `kind`; read on
    the source as written, so a line number is the author's line in
    Markdown too."""
    try:
        names = templating.names_used(source)
    except templating.TemplateProblem as problem:
        return [str(problem)]
    allowed = fields.names_for(kind)
    unknown = sorted(names - allowed)
    if unknown:
        listed = ", ".join(f"“{name}”" for name in unknown)
        return [f"Unknown merge field{'s' if len(unknown) > 1 else ''} {listed}: "
                f"a {kind.replace('_', '-')} letter has {', '.join(sorted(allowed))}."]
    return []


def problems(source: str, kind: str, sample: dict, format: str | None = None) -> list[str]:
    """What is wrong with `source` as a template of `kind`: name_problems,
    then anything a render with `sample` runs into (a misspelt attribute,
    a limit, ...). `format` (markdown, html): a letter's body, rendered as
    letters are; None: plain text (the subject)."""
    found = name_problems(source, kind)
    if found:
        return found
    try:
        if format is None:
            templating.render_isolated(source, sample)
        else:
            templating.render_html_isolated(source, sample, format)
    except templating.TemplateProblem as problem:
        return [str(problem)]
    return []
