"""The reports dashboard in a real browser, with and without JavaScript:
add a widget with the form, see it load lazily (HTMX) or open its plain
link (no JavaScript), move and remove it. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.reports import saved
from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.modules.reports import data

pytestmark = pytest.mark.browser

CHART = {"source": "gifts", "g": ["received:fiscal"], "m": ["sum:amount"], "chart": "bar"}
ROWS = {"source": "gifts", "col": ["donor", "amount", "received"], "sort": ["received"]}


@pytest.fixture
def reports(app, admin):
    with app.app_context():
        data.build()
        owner = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        saved.create("Giving by year", "", (), "gifts", CHART, owner)
        saved.create("Recent gifts", "", (), "gifts", ROWS, owner)
        db.session.commit()


def add(page, name: str, show: str) -> None:
    page.get_by_label("Saved report").select_option(label=name)
    page.get_by_label(show).check()
    page.get_by_role("button", name="Add to the dashboard").click()
    settle(page)


def test_dashboard_widgets(any_page, reports, shot):
    page = any_page
    js = page.steward_js
    sign_in(page)
    page.goto("/reports/dashboard")
    expect(page.get_by_text("No widget yet")).to_be_visible()
    add(page, "Giving by year", "its chart")
    add(page, "Recent gifts", "its top rows")
    widgets = page.locator(".rp-widget")
    expect(widgets).to_have_count(2)
    if js:
        # Loaded lazily by HTMX: the chart and the rows are in the page without a click.
        expect(widgets.nth(0).locator("svg.rp-svg")).to_have_count(1)
        expect(widgets.nth(1).get_by_role("cell", name="Ann Donor").first).to_be_visible()
        assert not [v for v in run_axe(page) if v["impact"] in ("serious", "critical")], \
            describe_violations(page.url, run_axe(page))
    else:
        link = widgets.nth(1).get_by_role("link", name="Show the top rows of “Recent gifts”")
        expect(link).to_be_visible()
        expect(page.locator("svg.rp-svg")).to_have_count(0)
        link.click()
        settle(page)
        expect(page.get_by_role("heading", name="Recent gifts", level=1)).to_be_visible()
        expect(page.get_by_role("cell", name="Ann Donor").first).to_be_visible()
        page.go_back()
        settle(page)
    mode = "js" if js else "nojs"
    shot(page, f"reports-dashboard-1280-{mode}")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"reports-dashboard-390-{mode}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Move up: Recent gifts").click()
    settle(page)
    expect(page.locator(".rp-widget h3").first).to_have_text("Recent gifts")
    page.get_by_role("button", name="Remove Giving by year").click()
    settle(page)
    expect(page.locator(".rp-widget")).to_have_count(1)
    expect(page.locator(".rp-widget h3")).to_have_text("Recent gifts")
