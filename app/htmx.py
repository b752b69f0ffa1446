"""Helpers for views that serve both a full page and an HTMX fragment."""

from __future__ import annotations

from flask import redirect, render_template, request


def is_htmx() -> bool:
    """True when HTMX asks for a fragment. Boosted links and forms, and
    history restores, want the whole page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def page_or_fragment(page: str, fragment: str, /, **context) -> str:
    """The full page normally; only `fragment` when HTMX asks for it. The two
    names are positional-only, so `page=` (a pager, say) can be passed as context."""
    return render_template(fragment if is_htmx() else page, **context)


def redirect_after_post(location: str, trigger: str | None = None):
    """Post/Redirect/Get; HTMX follows the 303 itself and `trigger` tells
    listening parts of the page that something changed."""
    response = redirect(location, code=303)
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def confirm_page(title: str, question: str, button: str, cancel: str, *, action: str | None = None,
                 hidden: dict | None = None, names=None, safe: bool = False, status: int = 200):
    """A page that asks before an action runs (the no-JavaScript side of
    `hx-confirm`): a POST form to `action` (default: this URL) and a Cancel link."""
    return render_template("confirm.html", title=title, question=question, button=button, cancel=cancel,
                           action=action or request.path, hidden=hidden, names=names, safe=safe), status
