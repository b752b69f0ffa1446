"""Where sending meets the campaign renderer, `modules/marketing/rendering.py`
(`compile_campaign(campaign) -> Compiled`, `Compiled.render(context) ->
(subject, html, text)`, `recipient_context(recipient, contact, related,
links) -> dict`), built beside this package. It is imported lazily, so this
package works before it lands; until then a minimal renderer stands in:
the subject and body compiled once in the core's sandbox (app.templating),
the plain part from the HTML.

What sending passes: `recipient` a marketing_recipient row, `contact` its
Contact, `related` the Contacts of `recipient.related` (a guardian's
students), `links` {"unsubscribe", "preferences", "view"}: this
recipient's absolute one-click unsubscribe, preference page and "view in
the browser" URLs (sending/links.py), for the body and the layout to use.
The headers are built from the same links, whatever the context holds."""

from __future__ import annotations

import html as html_lib
import re


def _rendering():
    try:
        from modules.marketing import rendering
    except ImportError:
        return None
    return rendering


def compile_campaign(campaign):
    rendering = _rendering()
    if rendering is not None:
        return rendering.compile_campaign(campaign)
    return _Fallback(campaign.subject or "", campaign.body or "", campaign.format or "markdown")


def recipient_context(recipient, contact, related, links: dict) -> dict:
    rendering = _rendering()
    if rendering is not None:
        return rendering.recipient_context(recipient, contact, related, links)

    def person(c) -> dict:
        return {"first_name": c.first_name or "", "last_name": c.last_name or "", "name": c.display_name or ""}

    return {"contact": {**(person(contact) if contact else {}), "email": recipient.email},
            "related": [person(c) for c in related], "links": links,
            "unsubscribe_url": links.get("unsubscribe", ""), "view_in_browser_url": links.get("view", "")}


class _Fallback:
    """Compiles the subject and the body (Markdown made HTML first) once;
    each render runs them in the sandbox's limits, as app.templating.render
    does, and sanitises the HTML as render_html does."""

    def __init__(self, subject: str, body: str, fmt: str):
        from app.templating import errors, formats, sandbox

        try:
            self.subject = sandbox.environment.from_string(subject)
            self.body = sandbox.environment.from_string(formats.html_source(body, fmt))
        except Exception as error:  # noqa: BLE001 (a syntax error, an unknown filter)
            raise errors.TemplateProblem(errors.friendly(error)) from None

    @staticmethod
    def _run(template, context: dict) -> str:
        from app.templating import errors
        from app.templating.guard import guarding
        from app.templating.limits import current

        limits = current()
        with guarding(limits):
            try:
                out = "".join(template.generate(**context))
            except errors.TemplateProblem:
                raise
            except Exception as error:  # noqa: BLE001 (a missing field, a filter given the wrong thing)
                raise errors.TemplateProblem(errors.friendly(error)) from None
        if len(out) > limits.output:
            raise errors.text_too_long(limits.output)
        return out

    def render(self, context: dict) -> tuple[str, str, str]:
        from app.templating.sanitise import clean

        subject = self._run(self.subject, context).strip()
        html = clean(self._run(self.body, context))
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>|</p>|</li>", "\n", html))).strip()
        links = context.get("links") or {}
        if links.get("view"):  # the real renderer's layout places these itself
            html += (f'<p><a href="{html_lib.escape(links["view"])}">View this email in your browser</a> · '
                     f'<a href="{html_lib.escape(links.get("preferences", ""))}">Unsubscribe or change what you '
                     f'receive</a></p>')
        return subject, html, text
