"""axe-core on every page there is, at desktop and phone widths: every GET
rule of the url_map (the core, every module, the hello plugin) with a real
record in each path variable (tests/security/walk.py), signed in as an
Administrator over a seeded organisation, and the error pages. Fragments,
files and redirects are not pages; the test says how many pages it checked,
so a walk that quietly checked nothing fails."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, seed, sign_in
from tests.browser.every_page import every_page
from tests.security import walk

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def _blocking(page) -> list[dict]:
    return [v for v in run_axe(page) if v["impact"] in BLOCKING]


def _at_both_widths(page, label: str, found: dict) -> None:
    """axe where the page is now, then again at phone width (no reload: the
    same document, laid out narrow), then back to desktop."""
    found[f"{label} at 1280 px"] = _blocking(page)
    page.set_viewport_size(PHONE)
    _after_resize(page)
    found[f"{label} at 390 px"] = _blocking(page)
    page.set_viewport_size(DESKTOP)
    _after_resize(page)


def _after_resize(page) -> None:
    """Two animation frames: the resize event, and what steward.js does on
    it (a table that now scrolls becomes a named tab stop), have then run."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_every_page_passes_axe_at_both_widths(app, page, live_url):
    from app import seed as demo
    from app.extensions import db

    seed(app, live_url)
    with app.app_context():
        demo.run(6, echo=lambda *a: None)
        db.session.commit()
        records = walk._records()
    sign_in(page)
    found: dict[str, list] = {}
    for path in every_page(app, page, records):
        _at_both_widths(page, path, found)
    checked = len(found) // 2
    assert checked >= 100, f"only {checked} pages were checked"

    # Steward's own error pages, signed in and not.
    for path, status in (("/contacts/merge", 400), ("/no/such/page", 404), ("/logout", 405)):
        response = page.goto(path)
        assert response.status == status, path
        _at_both_widths(page, f"{path} ({status})", found)
    page.context.clear_cookies()
    sign_in(page, "val@example.org")  # a volunteer: the admin pages are refused
    response = page.goto("/admin/users")
    assert response.status == 403
    _at_both_widths(page, "/admin/users (403)", found)
    page.context.clear_cookies()
    response = page.goto("/no/such/page")
    assert response.status == 404
    _at_both_widths(page, "/no/such/page (404, signed out)", found)

    report = "\n\n".join(describe_violations(label, v) for label, v in found.items() if v)
    assert not report, f"\n{checked} pages checked\n" + report
