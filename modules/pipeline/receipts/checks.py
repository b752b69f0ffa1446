"""What the template editor checks before it saves or previews a receipt
template: the merge fields it reads must be those of its kind of letter,
and it must fill in with made-up values, in a child process, through the
core template service (app.templating), which holds every limit."""

from __future__ import annotations

from app import templating
from modules.pipeline.receipts import fields


def problems(source: str, kind: str, sample: dict) -> list[str]:
    """What is wrong with `source` as a template of `kind`: its syntax,
    names that are not merge fields of that kind, and anything a render
    with `sample` runs into (a misspelt attribute, a limit, ...)."""
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
    try:
        templating.render_isolated(source, sample)
    except templating.TemplateProblem as problem:
        return [str(problem)]
    return []
