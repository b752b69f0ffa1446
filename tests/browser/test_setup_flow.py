"""First run in the browser: every page leads to /setup until an admin exists."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_first_run_setup(app, any_page, shot, live_url):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    page.goto("/")
    expect(page).to_have_url(f"{live_url}/setup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome. Let's set up Steward.")

    # Bad input: the messages sit next to their fields, tied to them by aria-describedby.
    page.get_by_label("Organisation name").fill("")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Your email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password").fill("other")
    page.get_by_role("button", name="Create the administrator").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the problems below.")
    for field_id, message in [("org_name", "Enter your organisation's name."),
                              ("email", "Enter a valid email address"),
                              ("password", "at least 12 characters"),
                              ("confirm", "The passwords do not match.")]:
        error = page.locator(f".field:has(#{field_id}) .error")
        expect(error).to_contain_text(re.compile(re.escape(message), re.I))
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-describedby", re.compile(f"{field_id}-error"))
    expect(page.get_by_label("Your name")).to_have_value("Grace Hopper")
    shot(page, f"setup-errors-{mode}")

    # Fixed: the dashboard shows the organisation's name.
    page.get_by_label("Organisation name").fill("Riverside Food Bank")
    page.get_by_label("Your email").fill("grace@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create the administrator").click()
    expect(page).to_have_url(f"{live_url}/")
    expect(page.locator(".topbar .brand")).to_have_text("Riverside Food Bank")
    expect(page).to_have_title(re.compile("Riverside Food Bank"))
    expect(page.locator(".flash")).to_contain_text("Steward is ready. Welcome, Grace Hopper.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Grace")

    # Setup is gone for good.
    response = page.goto("/setup")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_setup_for_a_country(app, any_page, shot, live_url):
    """The country proposes the regional settings in the page (a plain submit
    button, so the same with JavaScript off); one is changed before saving,
    and Admin → Organisation shows what was stored."""
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    page.goto("/setup")
    page.get_by_label("Organisation name").fill("Liffey Food Bank")
    page.get_by_label("Country").select_option(label="Ireland")
    page.get_by_role("button", name="Use the defaults for this country").click()
    settle(page)
    expect(page).to_have_url(f"{live_url}/setup")
    expect(page.get_by_label("Organisation name")).to_have_value("Liffey Food Bank")
    expect(page.get_by_label("Timezone")).to_have_value("Europe/Dublin")
    expect(page.get_by_label("Currency")).to_have_value("EUR")
    expect(page.get_by_label("Language and region")).to_have_value("en-IE")
    expect(page.get_by_label("Phone numbers")).to_have_value("IE")
    expect(page.get_by_label("Paper size")).to_have_value("A4")
    expect(page.get_by_label("Fiscal year starts in")).to_have_value("1")
    shot(page, f"setup-country-{mode}")

    page.get_by_label("Fiscal year starts in").select_option(label="April")
    page.get_by_label("Your name").fill("Gráinne Ní Bhriain")
    page.get_by_label("Your email").fill("grainne@example.ie")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create the administrator").click()
    expect(page).to_have_url(f"{live_url}/")
    expect(page.locator(".flash")).to_contain_text("Steward is ready.")
    done = page.locator(".checklist li.done")
    expect(done).to_have_count(2)
    expect(done.nth(1)).to_contain_text("Choose its country, timezone and currency")
    shot(page, f"setup-country-dashboard-{mode}")

    page.goto("/admin/settings")
    expect(page.get_by_label("Country")).to_have_value("IE")
    expect(page.get_by_label("Timezone")).to_have_value("Europe/Dublin")
    expect(page.get_by_label("Currency")).to_have_value("EUR")
    expect(page.get_by_label("Fiscal year starts in")).to_have_value("4")
