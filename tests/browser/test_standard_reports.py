"""Two standard reports in a real browser, with and without JavaScript:
from the Reports page to donor retention, a year chosen in its form (the
URL keeps it), a drill-down into the contacts behind a number, then LYBUNT.
Screenshots at desktop and phone width; axe with JavaScript on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.reports import dataset

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_retention_and_lybunt_with_a_drill_down(app, any_page, new_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    with app.app_context():
        dataset.build()
    sign_in(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_role("heading", name="Giving")).to_be_visible()
    problems = {"/reports/": run_axe(page) if page.steward_js else []}
    shot(page, f"reports-index-{mode}")
    page.get_by_role("link", name="Donor retention").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Donor retention")

    page.get_by_label("Fiscal year", exact=True).fill("2025")
    page.get_by_role("button", name="Show report").click()
    settle(page)
    assert "year=2025" in page.url  # the report's state is its URL: bookmark it, share it
    summary = page.get_by_role("table", name=re.compile("^Donor retention, 2024–25 to 2025–26"))
    expect(summary.get_by_role("row", name=re.compile("^All donors"))).to_contain_text("57.1%")
    expect(summary.get_by_role("row", name=re.compile("^New donors"))).to_contain_text("75.0%")
    expect(summary.get_by_role("row", name=re.compile("^Repeat donors"))).to_contain_text("33.3%")
    expect(summary.get_by_role("row", name=re.compile("^Repeat donors"))).to_contain_text("70.0%")
    if page.steward_js:
        problems[page.url] = run_axe(page)
    shot(page, f"report-retention-{mode}")

    # The four donors who gave again are the contacts list with the same rules.
    summary.get_by_role("row", name=re.compile("^All donors")).get_by_role("link", name="4").click()
    settle(page)
    expect(page.locator('a[id^="c"][href^="/contacts/"]')).to_have_count(4)
    for name in ("Ann Donor", "Ben Donor", "Hal Donor", "Ivy Donor"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    page.goto("/reports/standard/giving.lybunt?year=2025")
    settle(page)
    lybunt = page.get_by_role("table", name=re.compile("^LYBUNT"))
    expect(lybunt.get_by_role("row")).to_have_count(5)  # head, three donors, total
    expect(lybunt.locator("tbody tr").first).to_contain_text("Dan Donor")
    expect(lybunt.locator("tfoot")).to_contain_text("2,060.00")
    if page.steward_js:
        problems[page.url] = run_axe(page)
    shot(page, f"report-lybunt-{mode}")
    serious = {url: [v for v in found if v["impact"] in ("serious", "critical")] for url, found in problems.items()}
    assert not any(serious.values()), "\n".join(describe_violations(u, v) for u, v in serious.items() if v)

    phone = new_page(js=page.steward_js, viewport=PHONE)
    sign_in(phone)
    phone.goto("/reports/standard/giving.retention?year=2025")
    settle(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Donor retention")
    shot(phone, f"report-retention-phone-{mode}")
    phone.goto("/reports/standard/giving.pyramid?year=2025")
    settle(phone)
    shot(phone, f"report-pyramid-phone-{mode}")
