"""HTMX really runs: boosted links swap the page in place, HTMX requests carry
the CSRF token, and nothing trips the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import seed, sign_in

pytestmark = pytest.mark.browser


def test_boosted_navigation_keeps_the_page(app, page, live_url):
    seed(app, live_url)
    sign_in(page)
    page.evaluate("() => { window.stewardMarker = 'still here'; }")
    with page.expect_request(lambda r: r.url == f"{live_url}/admin/") as request:
        page.get_by_role("link", name="Admin", exact=True).click()
    assert request.value.headers.get("hx-request") == "true"
    assert request.value.headers.get("hx-boosted") == "true"
    expect(page).to_have_url(f"{live_url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    expect(page).to_have_title("Admin · Riverside Food Bank")
    assert page.evaluate("() => window.stewardMarker") == "still here", "the boosted link did a full page load"
    # Back restores the dashboard from HTMX's history, still without a reload.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Ada")
    assert page.evaluate("() => window.stewardMarker") == "still here"


def test_htmx_post_carries_the_csrf_header(app, page, live_url):
    seed(app, live_url)
    sign_in(page)
    page.goto("/account")
    page.evaluate("() => { window.stewardMarker = 'still here'; }")
    # Take the token out of the form: the POST can now only pass with the X-CSRFToken header.
    page.evaluate("() => document.querySelector('main form input[name=csrf_token]').remove()")
    page.get_by_label("Name").fill("Ada Lovelace")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/account")) as request:
        page.get_by_role("button", name="Save").click()
    assert request.value.headers.get("x-csrftoken") == token
    assert "csrf_token" not in (request.value.post_data or "")
    expect(page.locator(".flash")).to_have_text("Your account is saved.")
    expect(page.locator(".usermenu-name")).to_have_text("Ada Lovelace")
    assert page.evaluate("() => window.stewardMarker") == "still here"


def test_without_any_token_the_post_is_refused(app, page, live_url):
    """The control for the test above: with neither the form field nor the
    header (no <meta> for steward.js to read), the same POST is refused."""
    seed(app, live_url)
    sign_in(page)
    page.goto("/account")
    page.evaluate("""() => {
        document.querySelector('main form input[name=csrf_token]').remove();
        document.querySelector('meta[name=csrf-token]').remove();
    }""")
    page.get_by_label("Name").fill("Ada Lovelace")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/account")) as response:
        page.get_by_role("button", name="Save").click()
    assert response.value.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("The form expired")


def test_account_form_works_without_javascript(app, nojs_page, live_url):
    seed(app, live_url)
    page = nojs_page
    sign_in(page)
    page.goto("/account")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_url}/account")
    expect(page.locator(".flash")).to_have_text("Your account is saved.")
    expect(page.locator(".usermenu-name")).to_have_text("Ada Lovelace")


def test_global_search_and_csp(app, page, live_url, console, new_page):
    seed(app, live_url)
    sign_in(page)
    page.get_by_label("Search everything").fill("sam")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Sam Okafor")
    results.get_by_role("link", name="Sam Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Okafor")
    for path in ["/", "/admin/", "/admin/users", "/admin/roles", "/admin/roles/new", "/admin/settings",
                 "/admin/modules", "/admin/audit", "/admin/outbox", "/admin/jobs", "/account", "/nowhere"]:
        page.goto(path)
        page.wait_for_load_state("load")
    page.get_by_role("link", name="Back to the start page").click()
    page.locator("details.usermenu > summary").click()
    anonymous = new_page()
    for path in ["/login", "/password/forgot"]:
        anonymous.goto(path)
        anonymous.wait_for_load_state("load")
    assert not console.csp_violations(), "\n".join(console.csp_violations())
    errors = [m for m in console.messages if "pageerror" in m]
    assert not errors, "\n".join(errors)
