"""The marketing and helpdesk standard reports in a real browser, with and
without JavaScript: listed under their headings on the Reports page, a
date range chosen in the form (kept in the URL), the figures in the
tables. Screenshots at desktop and phone width; axe with JavaScript on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.helpdesk import helpdesk_report_data
from tests.modules.marketing import marketing_report_data

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_campaign_and_helpdesk_reports(app, any_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    bo = make_user(app, "bo@example.org", "admin", "Bo Agent")
    with app.app_context():
        marketing_report_data.build()
        helpdesk_report_data.build(bo.id)
    sign_in(page)
    problems = {}

    page.goto("/reports/")
    settle(page)
    expect(page.get_by_role("heading", name="Marketing")).to_be_visible()
    expect(page.get_by_role("heading", name="Helpdesk")).to_be_visible()
    page.get_by_role("link", name="Campaign performance").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaign performance")
    page.get_by_label("Started from").fill("2026-05-01")
    page.get_by_role("button", name="Show report").click()
    settle(page)
    assert "from=2026-05-01" in page.url
    table = page.get_by_role("table", name=re.compile("^Campaign performance"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text("Summer")
    page.goto("/reports/standard/marketing.performance")
    settle(page)
    table = page.get_by_role("table", name=re.compile("^Campaign performance"))
    expect(table.locator("tbody tr").first).to_contain_text("66.7%")
    if page.steward_js:
        problems[page.url] = run_axe(page)
    shot(page, f"report-campaign-performance-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"report-campaign-performance-phone-{mode}")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/reports/standard/helpdesk.sla-times?from=2026-03-01&to=2026-04-30")
    settle(page)
    expect(page.get_by_label("Channel", exact=True)).to_have_value("")  # "All channels" until one is chosen
    times = page.get_by_role("table", name=re.compile("^Response and resolution times"))
    expect(times.get_by_role("row", name=re.compile("^Care"))).to_contain_text("66.7%")
    if page.steward_js:
        problems[page.url] = run_axe(page)
    shot(page, f"report-helpdesk-sla-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"report-helpdesk-sla-phone-{mode}")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/reports/standard/helpdesk.volume?from=2026-03-01&to=2026-04-30&by=week")
    settle(page)
    expect(page.get_by_role("table", name=re.compile("^Tickets created")).locator("tbody tr")).to_have_count(3)
    page.get_by_label("Team", exact=True).select_option(label="Care")
    page.get_by_role("button", name="Show report").click()
    settle(page)
    assert "team=" in page.url and "by=week" in page.url
    expect(page.get_by_role("table", name=re.compile("^Tickets by team")).locator("tbody tr")).to_have_count(1)
    shot(page, f"report-helpdesk-volume-{mode}")
    serious = {url: [v for v in found if v["impact"] in ("serious", "critical")] for url, found in problems.items()}
    assert not any(serious.values()), "\n".join(describe_violations(u, v) for u, v in serious.items() if v)
