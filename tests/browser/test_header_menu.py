"""The header at desktop and phone widths: one row at 1280 px even with a
long organisation name; at 390 px the navigation folds behind a Menu (a
<details>, so it opens without JavaScript too) and the header stays short."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

LONG_ORG = "Riverside Community Food Bank and Emergency Relief Association of the Greater Valley"


def _long_org_name(app) -> None:
    from app import settings
    from app.extensions import db

    with app.app_context():
        settings.put("core", {"org_name": LONG_ORG})
        db.session.commit()


def _rows(page) -> set[int]:
    """The distinct tops of the header's visible parts (one value: one row)."""
    return set(page.evaluate("""() => [...document.querySelectorAll('.topbar > *')]
        .filter(e => e.getBoundingClientRect().height > 0)
        .map(e => Math.round(e.getBoundingClientRect().top / 12))"""))


def test_at_1280_px_the_header_is_one_row(app, page, live_url):
    make_user(app)
    _long_org_name(app)
    sign_in(page)
    expect(page.get_by_role("link", name="Contacts", exact=True)).to_be_visible()
    expect(page.locator("details.navmenu")).to_be_hidden()
    assert len(_rows(page)) == 1, "the account menu wraps to a second row"
    brand = page.locator(".topbar .brand")
    expect(brand).to_have_attribute("title", LONG_ORG)  # cut short on screen, whole on hover
    assert page.locator(".topbar").bounding_box()["height"] < 60


def test_on_a_phone_the_navigation_folds_into_a_menu(app, any_page, live_url):
    page = any_page
    page.set_viewport_size(PHONE)
    make_user(app)
    _long_org_name(app)
    sign_in(page)
    contacts = page.get_by_role("link", name="Contacts", exact=True)
    expect(contacts).to_be_hidden()
    header = page.locator(".topbar").bounding_box()
    assert header["height"] <= 100, header
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("details.navmenu > summary").click()
    expect(page.locator("details.navmenu")).to_have_attribute("open", "")
    expect(contacts).to_be_visible()
    screenshot(page, f"header-phone-menu-open-{'js' if page.steward_js else 'nojs'}", full_page=False)
    contacts.click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    expect(page.get_by_role("link", name="Contacts", exact=True)).to_be_hidden()  # folded again on the new page
