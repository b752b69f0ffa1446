"""The report builder in a real browser, with JavaScript (HTMX redraws the
form as choices change) and without (the buttons reload the page): build a
gift report grouped by fiscal year (a July year start) as a bar chart, save
it shared with a role, and drill down from a number into the contacts list
behind it. The chart's numbers are a table axe can read."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Role
from modules.reports.models import SavedReport
from tests.browser.conftest import PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.reports import data

pytestmark = pytest.mark.browser


def _choose(page, selector: str, value: str) -> None:
    """Pick an option; without JavaScript, press Run report to see what it changes."""
    page.locator(selector).select_option(value)
    if not page.steward_js:
        page.get_by_role("button", name="Run report").click()
    settle(page)


def test_build_save_share_and_drill_down(app, any_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    with app.app_context():
        data.build(fiscal_start=7)
        staff_id = db.session.scalar(select(Role.id).where(Role.key == "staff"))
    sign_in(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    page.get_by_role("link", name="Build a report").click()
    settle(page)
    page.get_by_label("Report on").select_option("gifts")
    if not page.steward_js:
        page.get_by_role("button", name="Choose").click()
    settle(page)
    expect(page.locator("#rb-gf0")).to_be_visible()

    _choose(page, "#rb-gf0", "received")
    _choose(page, "#rb-gb0", "fiscal")
    page.locator("#rb-ma0").select_option("sum")
    settle(page)
    page.locator("#rb-mf0").select_option("amount")
    settle(page)
    page.get_by_label("Bar chart").check()
    settle(page)
    page.get_by_role("button", name="Run report").click()
    settle(page)

    result = page.locator("#report-result")
    expect(result.locator(".rp-table tbody tr")).to_have_count(3)
    expect(result.locator(".rp-table tbody tr").nth(1)).to_contain_text("FY 2024–25")
    expect(result.locator(".rp-table tbody tr").nth(1)).to_contain_text("275.00")
    chart_table = page.get_by_role("table", name="The numbers in the chart")
    expect(chart_table).to_contain_text("FY 2023–24")
    expect(page.get_by_role("img", name="Sum of amount by received on (fiscal year)")).to_be_visible()
    assert "g=received%3Afiscal" in page.url or "g=received:fiscal" in page.url  # the report is its URL
    shot(page, f"reports-builder-{mode}-1280")
    if page.steward_js:
        blocking = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
        assert not blocking, describe_violations(page.url, blocking)
    page.set_viewport_size(PHONE)
    shot(page, f"reports-builder-{mode}-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="Save report…").click()
    settle(page)
    page.get_by_label("Name").fill("Giving by fiscal year")
    page.get_by_label("Description").fill("For the board meeting")
    page.get_by_label("Staff").check()
    page.get_by_role("button", name="Save report").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Giving by fiscal year")
    expect(page.locator(".rp-head")).to_contain_text("shared with 1 role")
    with app.app_context():
        [report] = db.session.scalars(select(SavedReport)).all()
        assert report.role_ids == [staff_id]
        assert report.spec["g"] == ["received:fiscal"] and report.spec["chart"] == "bar"
    shot(page, f"reports-saved-{mode}-1280")
    # Printed: the chart and its numbers, without the menus and buttons around them.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".rp-tools")).to_be_hidden()
    expect(page.get_by_role("img", name="Sum of amount by received on (fiscal year)")).to_be_visible()
    expect(page.get_by_role("table", name="The numbers in the chart")).to_be_visible()
    shot(page, f"reports-saved-{mode}-print")
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)
    shot(page, f"reports-saved-{mode}-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    report_url = page.url

    page.get_by_role("link", name="All reports").click()
    settle(page)
    mine = page.get_by_role("region", name="My reports")
    expect(mine.get_by_role("link", name="Giving by fiscal year")).to_be_visible()
    expect(mine).to_contain_text("shared with 1 role")
    shot(page, f"reports-index-{mode}-1280")
    page.set_viewport_size(PHONE)
    shot(page, f"reports-index-{mode}-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(report_url)
    settle(page)

    page.locator("#report-result .rp-table").get_by_role("link", name="275.00").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contacts")
    rows = page.locator("#contact-results tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#contact-results")).to_contain_text("Ann Donor")
    expect(page.locator("#contact-results")).to_contain_text("Ben Donor")
    expect(page.get_by_role("link", name="Save as segment")).to_be_visible()
    shot(page, f"reports-drill-{mode}-1280")


def test_contact_filters_from_the_contacts_list_apply_to_the_donor(app, any_page, shot):
    """The contacts filter builder's own rows, inside the report builder."""
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    with app.app_context():
        data.build(fiscal_start=7)
    sign_in(page)
    page.goto("/reports/new?source=gifts&g=fund&m=sum:amount")
    settle(page)
    expect(page.locator("#report-result .rp-table tbody tr")).to_have_count(2)

    page.get_by_text("Contact filters").click()
    page.get_by_label("Add a rule").select_option(label="Tag")
    if not page.steward_js:
        page.get_by_role("button", name="Add rule").click()
    settle(page)
    page.get_by_label("Rule 1: value").select_option(label="Board")
    page.get_by_role("button", name="Run report").click()
    settle(page)

    rows = page.locator("#report-result .rp-table tbody tr")
    expect(rows).to_have_count(2)  # Ann's gifts: 150.00 to General, 25.00 to Building
    expect(rows.nth(0)).to_contain_text("Building")
    expect(rows.nth(0)).to_contain_text("25.00")
    expect(rows.nth(1)).to_contain_text("150.00")
    assert "f=tag" in page.url
    shot(page, f"reports-contact-filters-{mode}-1280")

    # A filter on the gifts themselves, then both rules taken away again.
    page.get_by_label("Add a filter").select_option(label="Amount")
    if not page.steward_js:
        page.get_by_role("button", name="Add filter").click()
    settle(page)
    page.get_by_label("Filter 1: condition").select_option("gt")
    settle(page)
    page.get_by_label("Filter 1: value").fill("30")
    page.get_by_role("button", name="Run report").click()
    settle(page)
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("General")
    expect(rows.nth(0)).to_contain_text("150.00")  # Ann's 100 and 50
    page.get_by_role("button", name="Remove filter 1").click()
    settle(page)
    page.get_by_role("button", name="Remove rule 1").click()
    settle(page)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("225.00")
    assert "f=tag" not in page.url and "w=amount" not in page.url
