"""Screenshots of every core page at desktop and phone width (into
test-artifacts/screenshots/, for people to look at), and no sideways
scrolling on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot, seed, settle, sign_in

pytestmark = pytest.mark.browser

SIZES = {"desktop": DESKTOP, "phone": PHONE}


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("size", SIZES)
def test_screenshots(app, new_page, live_url, size):
    page = new_page(viewport=SIZES[size])
    wide = {}

    def visit(name: str, path: str, status: int = 200):
        response = page.goto(path)
        assert response.status == status, f"{path}: {response.status}"
        settle(page)
        screenshot(page, f"{name}-{size}")
        wide[path] = overflow(page)

    visit("setup", "/setup")
    data = seed(app, live_url)
    visit("login", "/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-alert")).to_be_visible()
    screenshot(page, f"login-errors-{size}")
    visit("forgot", "/password/forgot")
    sign_in(page)
    visit("dashboard", "/")
    page.locator("details.usermenu > summary").click()
    screenshot(page, f"dashboard-usermenu-{size}", full_page=False)
    page.locator("details.usermenu > summary").click()  # close it again
    page.get_by_label("Search everything").fill("a")
    expect(page.locator("#search-results")).to_contain_text("Sam Okafor")
    screenshot(page, f"dashboard-search-{size}", full_page=False)
    visit("account", "/account")
    for name, path in [("admin", "/admin/"), ("admin-users", "/admin/users"), ("admin-roles", "/admin/roles"),
                       ("admin-role-new", "/admin/roles/new"),
                       ("admin-role-custom", f"/admin/roles/{data['custom_role_id']}"),
                       ("admin-settings", "/admin/settings"), ("admin-modules", "/admin/modules"),
                       ("admin-audit", "/admin/audit"), ("admin-outbox", "/admin/outbox"),
                       ("admin-mail-server", "/admin/mail-server"),
                       ("admin-jobs", "/admin/jobs")]:
        visit(name, path)
    page.goto("/admin/users")
    page.get_by_role("link", name="Sam Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Okafor")
    screenshot(page, f"admin-user-edit-{size}")
    page.goto("/admin/outbox")
    page.locator("#main table a").first.click()
    settle(page)
    screenshot(page, f"admin-outbox-message-{size}")
    visit("error-404", "/no/such/page", status=404)

    staff = new_page(viewport=SIZES[size])
    sign_in(staff, "sam.staff@example.org")
    response = staff.goto("/admin/users")
    assert response.status == 403
    expect(staff.get_by_role("heading", level=1)).to_have_text("Not allowed")
    screenshot(staff, f"error-403-{size}")
    wide["/admin/users (403)"] = overflow(staff)

    too_wide = {path: px for path, px in wide.items() if px > 0}
    if size == "phone":
        assert not too_wide, f"pages wider than a {PHONE['width']}px phone (px too wide): {too_wide}"


def test_phone_has_no_sideways_scroll(app, new_page, live_url):
    seed(app, live_url)
    page = new_page(viewport=PHONE)
    page.goto("/login")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Ada")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
