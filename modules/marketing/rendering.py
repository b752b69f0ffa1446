"""A campaign's message, compiled once and rendered per recipient.

The seam between the campaign editor and the sending engine
(modules/marketing/sending/): the engine calls `compile_campaign(campaign)`
once per batch run and `compiled.render(recipient_context(...))` for each
recipient. The order of the work is what keeps a merge value harmless:

1. the body's Markdown becomes HTML on the template's source alone
   (app/templating/formats.py); subject, preheader, body and layout are
   parsed and compiled in the sandbox here, once;
2. per recipient, the sandbox fills them in, every value autoescaped; the
   body goes into the layout as `{{ content }}`;
3. the layout's <style> rules are inlined (css_inline), then nh3 sanitises
   the whole (style attributes keep text and box properties only);
4. the plain-text part is made from that HTML (app/templating/plaintext.py).

Any failure for one recipient raises RenderFailed with the template's
words: the engine marks that recipient failed, never sends half a message.
"""

from __future__ import annotations

import html as htmllib
from dataclasses import dataclass, field

import css_inline
from markupsafe import Markup, escape

from app import settings
from app.templating import errors
from app.templating.errors import TemplateProblem
from app.templating.formats import HTML, html_source
from app.templating.guard import guarding
from app.templating.limits import Limits
from app.templating.limits import current as current_limits
from app.templating.plaintext import html_to_text
from app.templating.sandbox import environment
from app.templating.sanitise import clean

# The layout used when a campaign has none and no layout is marked default.
BARE_LAYOUT = "{{ content }}"
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


class RenderFailed(TemplateProblem):
    """The campaign cannot be rendered (for this recipient): the reason, in
    the template author's words, with the part that failed."""


@dataclass
class _Part:
    name: str
    template: object  # a compiled jinja2 Template of the sandbox


def _compile(name: str, source: str, limits: Limits) -> _Part:
    if len(source) > limits.source:
        raise RenderFailed(f"{name}: {errors.source_too_long(limits)}")
    try:
        with guarding(limits):
            return _Part(name, environment.from_string(source))
    except TemplateProblem as problem:
        raise RenderFailed(f"{name}: {problem}") from None
    except Exception as error:  # a syntax error, an unknown filter
        raise RenderFailed(f"{name}: {errors.friendly(error)}") from None


def _fill(part: _Part, context: dict, limits: Limits) -> str:
    """One compiled part filled in, within the sandbox's limits."""
    try:
        with guarding(limits):
            out, size = [], 0
            for chunk in part.template.generate(**context):
                size += len(chunk)
                if size > limits.output:
                    raise errors.text_too_long(limits.output)
                out.append(chunk)
            return "".join(out)
    except TemplateProblem as problem:
        raise RenderFailed(f"{part.name}: {problem}") from None
    except RecursionError:
        raise RenderFailed(f"{part.name}: {errors.too_deep()}") from None
    except Exception as error:
        raise RenderFailed(f"{part.name}: {errors.friendly(error)}") from None


def _document(body_html: str, preheader: str) -> str:
    """The sanitised body in a minimal document, the preheader first and
    hidden (written after sanitising: nh3 would drop `display:none`)."""
    hidden = ""
    if preheader:
        hidden = ('<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">'
                  f"{escape(preheader)}</div>\n")
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
            f"<body>\n{hidden}{body_html}\n</body></html>\n")


@dataclass
class Compiled:
    """A campaign's templates, compiled once. `render` is safe to call for
    thousands of recipients in one process."""

    subject: _Part
    preheader: _Part
    body: _Part
    layout: _Part
    limits: Limits
    # An A/B test's other subjects by variant ("b", "c"); "a" is `subject`.
    variants: dict = field(default_factory=dict)

    def render(self, context: dict, tracked=None, pixel: str = "") -> tuple[str, str, str]:
        """(subject, html, text) for one recipient's merge fields. The
        subject is the one of `context["variant"]` (an A/B test). `tracked`
        (url -> tracked url or None, tracking/links.py) rewrites the links
        of both parts; `pixel` (an <img>) goes at the end of the HTML only."""
        part = self.variants.get((context.get("variant") or "").lower(), self.subject)
        subject = " ".join(htmllib.unescape(_fill(part, context, self.limits)).split())
        if not subject:
            raise RenderFailed("Subject: it is empty for this recipient.")
        preheader = " ".join(htmllib.unescape(_fill(self.preheader, context, self.limits)).split())
        content = _fill(self.body, context, self.limits)
        framed = _fill(self.layout, {**context, "content": Markup(content)}, self.limits)  # noqa: S704 (autoescaped)
        try:
            inlined = _INLINER.inline(framed)
        except css_inline.InlineError as error:
            raise RenderFailed(f"Layout: its CSS cannot be read ({error}).") from None
        html = _document(clean(inlined), preheader)
        if tracked is not None:
            from modules.marketing.tracking.links import rewrite

            html = rewrite(html, tracked)
        text = html_to_text(html)
        if pixel:
            from modules.marketing.tracking.links import add_pixel

            html = add_pixel(html, pixel)
        return subject, html, text


def compile_parts(subject: str, preheader: str, body: str, body_format: str, layout: str, layout_format: str,
                  limits: Limits | None = None) -> Compiled:
    limits = limits or current_limits()
    return Compiled(subject=_compile("Subject", subject or "", limits),
                    preheader=_compile("Preheader", preheader or "", limits),
                    body=_compile("Body", _html(body, body_format, "Body"), limits),
                    layout=_compile("Layout", _html(layout or BARE_LAYOUT, layout_format, "Layout"), limits),
                    limits=limits)


def _html(source: str, format: str, name: str) -> str:
    try:
        return html_source(source or "", format)
    except ValueError as error:
        raise RenderFailed(f"{name}: {error}") from None


def layout_of(campaign):
    """The campaign's layout, else the default one, else None."""
    if campaign.layout is not None:
        return campaign.layout
    from sqlalchemy import select

    from app.extensions import db
    from modules.marketing.campaign_models import Layout

    return db.session.scalar(select(Layout).where(Layout.is_default.is_(True)).order_by(Layout.id).limit(1))


def compile_campaign(campaign, limits: Limits | None = None) -> Compiled:
    """The campaign's subject, preheader, body and layout compiled once;
    RenderFailed when one of them cannot be read."""
    layout = layout_of(campaign)
    compiled = compile_parts(campaign.subject, campaign.preheader, campaign.body, campaign.format,
                             layout.body if layout else BARE_LAYOUT, layout.format if layout else HTML, limits)
    for letter, subject in zip("bc", campaign.ab_subjects or [], strict=False):
        compiled.variants[letter] = _compile(f"Subject {letter.upper()}", subject or "", compiled.limits)
    return compiled


# Merge fields ---------------------------------------------------------------------------

def org_fields() -> dict:
    from app import organisation

    lines = organisation.address_lines()
    return {"name": settings.get("core", "org_name") or "", "address_lines": lines, "address": ", ".join(lines),
            "logo_url": organisation.logo_url()}


def _org_once() -> dict:
    """org_fields() read once per app context (a request, a job's batch):
    the logo is a file and the address a setting, the same for every message."""
    from flask import g

    if "marketing_org_fields" not in g:
        g.marketing_org_fields = org_fields()
    return g.marketing_org_fields


def person_fields(contact, addressed: dict | None = None) -> dict:
    """What a template may read of one contact; blanks for a missing
    contact. `addressed`: contact id -> Addressing, read for a whole batch
    (addressing.of_many); else this contact's is read on its own."""
    if contact is None:
        return {"first_name": "", "last_name": "", "name": "", "email": "", "salutation": "Friend",
                "addressee": ""}
    from modules.contacts.people import addressing

    them = addressed[contact.id] if addressed and contact.id in addressed else addressing.of(contact)
    return {"first_name": (contact.preferred_name or contact.first_name or "").strip(),
            "last_name": (contact.last_name or "").strip(),
            "name": (contact.display_name or contact.name or "").strip(),
            "email": (contact.email or "").strip(),
            "salutation": them.salutation, "addressee": them.addressee}


def recipient_context(recipient_row, contact, related_contacts=(), links: dict | None = None,
                      org: dict | None = None, addressed: dict | None = None) -> dict:
    """The merge fields of one message: `contact.*`, `related` (the first
    contact the recipient was reached through, e.g. a guardian's student)
    and `related_all` (all of them), `org.*` and the links the caller made.
    `links` may name them `unsubscribe_url`, `preferences_url`,
    `view_in_browser_url` or, as the sending engine does, `unsubscribe`,
    `preferences`, `view`; the dict is kept as `links` too (the engine reads
    it back for the List-Unsubscribe header). Pass `org` (org_fields())
    when rendering many, to read the settings once, and `addressed`
    (addressing.of_many) to address the whole batch in two queries."""
    person = person_fields(contact, addressed)
    if recipient_row is not None and getattr(recipient_row, "email", None):
        person["email"] = recipient_row.email
    related = [person_fields(c, addressed) for c in related_contacts or ()]
    links = dict(links or {})
    return {"contact": person, "related": related[0] if related else person_fields(None),
            "variant": getattr(recipient_row, "variant", "") or "",
            "related_all": related, "org": org if org is not None else _org_once(),
            "unsubscribe_url": links.get("unsubscribe_url") or links.get("unsubscribe", ""),
            "preferences_url": links.get("preferences_url") or links.get("preferences", ""),
            "view_in_browser_url": links.get("view_in_browser_url") or links.get("view", ""),
            "links": links}


# The merge-field picker (app/templating/editor.py FieldGroup tuples).
FIELDS = [
    ("Contact", [("contact.first_name", "First (or preferred) name", "Grace"),
                 ("contact.last_name", "Last name", "Hopper"),
                 ("contact.name", "Display name", "Dr Grace Hopper"),
                 ("contact.email", "The address the message goes to", "grace@example.org"),
                 ("contact.salutation", "How a letter greets them", "Grace"),
                 ("contact.addressee", "Whom it addresses", "Dr Grace Hopper")]),
    ("Related contacts", "When the audience is expanded through a relationship (guardians of students)",
     [("related.first_name", "The first related contact's first name", "Sam"),
      ("related.name", "Their display name", "Sam Hopper"),
      ("related_all", "All of them, a list: {% for r in related_all %}{{ r.first_name }}{% endfor %}",
       "[Sam, Alex]")]),
    ("Organisation", [("org.name", "Organisation name (Admin → Organisation)", "Riverside Food Bank"),
                      ("org.address", "Postal address on one line", "12 Mill Lane, Riverside"),
                      ("org.address_lines", "Postal address, a list of lines", "['12 Mill Lane', ...]"),
                      ("org.logo_url", "The logo, as an image address", "https://…/org/logo.png")]),
    ("Links", [("unsubscribe_url", "One-click unsubscribe from the campaign's topic", "https://…"),
               ("preferences_url", "The person's preference page", "https://…"),
               ("view_in_browser_url", "The message on the web", "https://…")]),
]
LAYOUT_FIELDS = [*FIELDS, ("Layout", [("content", "Where the campaign's body goes", "<p>Hello…</p>")])]

ROOTS = {"contact", "related", "related_all", "org", "unsubscribe_url", "preferences_url",
         "view_in_browser_url"}


def sample_context() -> dict:
    """Example values for previews without a chosen contact."""
    grace = {"first_name": "Grace", "last_name": "Hopper", "name": "Dr Grace Hopper",
             "email": "grace@example.org", "salutation": "Grace", "addressee": "Dr Grace Hopper"}
    sam = {**grace, "first_name": "Sam", "name": "Sam Hopper", "salutation": "Sam", "addressee": "Sam Hopper"}
    return {"contact": grace, "related": sam, "related_all": [sam], "org": org_fields(),
            "unsubscribe_url": "https://example.org/unsubscribe", "preferences_url": "https://example.org/preferences",
            "view_in_browser_url": "https://example.org/view"}
