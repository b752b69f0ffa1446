"""The server side of the one template editor (receipt letters today,
campaign layouts and canned replies next): the format choice a form adds,
the merge-field registry the picker lists, and the preview that renders
what is in the form, with sample values, in the sandbox's child process:
the letter as it is sent, less any style attribute (the page's CSP).

The page side is the macro `template_editor` in
templates/macros/template_editor.html and static/js/template-editor.js;
docs/modules.md, "Template editor", shows a module using all three.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup
from wtforms import RadioField
from wtforms.validators import ValidationError

from app.forms import choices
from app.templating.errors import TemplateProblem
from app.templating.formats import FORMATS, MARKDOWN
from app.templating.sanitise import without_styles

FORMAT_HINT = ("Markdown: a blank line starts a paragraph, **bold**, *italic*, # a heading, - a list, "
               "| a | table |. HTML: the tags as you write them. Changing it does not rewrite the text.")


class FormatField(RadioField):
    """Markdown or HTML. A form posted without it (a page from before the
    editor, a script) keeps the format the form was built with."""

    def pre_validate(self, form):
        if self.data not in FORMATS:
            raise ValidationError("Choose Markdown or HTML.")


def format_field(label: str = "Format", default: str = MARKDOWN) -> FormatField:
    """The format choice of a template's text, for a form class."""
    return FormatField(label, choices=choices(FORMATS), default=default, description=FORMAT_HINT)


@dataclass(frozen=True)
class FieldGroup:
    """One heading of the merge-field picker: its fields as (name, what it
    holds, an example), e.g. ("donor.name", "Display name of the donor",
    "Dr Grace Hopper"); `note` says where the group applies."""

    title: str
    fields: Sequence[tuple[str, str, str]]
    note: str = ""


def field_groups(groups: Iterable) -> list[FieldGroup]:
    """FieldGroups from (title, fields) or (title, note, fields) tuples."""
    out = []
    for group in groups:
        if isinstance(group, FieldGroup):
            out.append(group)
        elif len(group) == 2:
            out.append(FieldGroup(group[0], group[1]))
        else:
            out.append(FieldGroup(group[0], group[2], group[1]))
    return out


@dataclass(frozen=True)
class Preview:
    """What the preview shows: the sanitised HTML, or why it cannot."""

    html: Markup | None = None
    problem: str | None = None
    note: str = ""


def preview(source: str, format: str, context: dict, problems: Iterable[str] = (), note: str = "") -> Preview:
    """`source` in `format` filled in with `context` in a child process, or
    the first of `problems` (the module's own checks, e.g. unknown fields)."""
    from app import templating

    found = [p for p in problems if p]
    if found:
        return Preview(problem=found[0], note=note)
    if not (source or "").strip():
        return Preview(problem="Nothing to preview yet: write the template first.", note=note)
    if format not in FORMATS:
        return Preview(problem="Choose Markdown or HTML.", note=note)
    try:
        html = templating.render_html_isolated(source, context, format)
    except TemplateProblem as problem:
        return Preview(problem=str(problem), note=note)
    # The letter as sent, less its style attributes: the page's CSP would refuse them.
    return Preview(html=Markup(without_styles(html)), note=note)  # noqa: S704 (sanitised)


def preview_fragment(result: Preview):
    """The preview's inner HTML, for the editor's HTMX request."""
    response = render_template("macros/template_preview.html", preview=result)
    return response, 200, {"Vary": "HX-Request"}
