"""Scheduling a saved report in a real browser, with and without JavaScript,
and the schedules page showing a failing one with its error. Screenshots at
1280 and 390 px."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.reports import saved
from modules.reports.models import ReportSchedule
from tests.browser.conftest import settle, sign_in
from tests.modules.reports import data

pytestmark = pytest.mark.browser


@pytest.fixture
def report_id(app, admin):
    with app.app_context():
        data.build()
        owner = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        report = saved.create("Board giving summary", "", (), "gifts",
                              {"source": "gifts", "g": ["received:fiscal"], "m": ["sum:amount"]}, owner)
        db.session.commit()
        return report.id


def test_schedule_a_report_and_see_a_failing_one(any_page, app, report_id, shot):
    page = any_page
    sign_in(page)
    page.goto(f"/reports/{report_id}")
    page.get_by_role("link", name="Email on a schedule").click()
    settle(page)
    page.get_by_label("How often").select_option("monthly")
    page.get_by_label("Monthly: on day").fill("3")
    page.get_by_label("Attach as").select_option("xlsx")
    page.get_by_label("Send to").fill("board@example.org\ntreasurer@example.org")
    page.get_by_role("button", name="Schedule").click()
    settle(page)
    expect(page.get_by_role("heading", name="Scheduled reports")).to_be_visible()
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Every month, day 3")
    expect(row).to_contain_text("board@example.org, treasurer@example.org")
    expect(row).to_contain_text("Not sent yet")
    with app.app_context():
        [schedule] = db.session.scalars(select(ReportSchedule)).all()
        assert (schedule.day, schedule.format, schedule.next_run_at.day) == (3, "xlsx", 3)
        schedule.status, schedule.failures = "retrying", 3
        schedule.last_error = "DeliveryProblem: The report source 'gifts' is no longer enabled."
        schedule.next_run_at = datetime(2026, 12, 7, 8, 15, tzinfo=UTC)
        db.session.commit()
    page.reload()
    settle(page)
    expect(row).to_contain_text("Failing, retrying (3 tries)")
    expect(row).to_contain_text("no longer enabled")
    mode = "js" if page.steward_js else "nojs"
    shot(page, f"reports-schedules-1280-{mode}")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"reports-schedules-390-{mode}")
    page.get_by_role("button", name="Retry now").click()
    settle(page)
    expect(page.get_by_text("will be sent in a moment")).to_be_visible()
    page.get_by_role("link", name="Change the schedule of Board giving summary").click()
    settle(page)
    page.get_by_label("How often").select_option("weekly")
    page.get_by_label("Weekly: on").select_option("Friday")
    page.get_by_role("button", name="Save").click()
    settle(page)
    expect(page.get_by_text("Saved: next sent")).to_be_visible()
    expect(row).to_contain_text("Every week, Friday")
    with app.app_context():
        schedule = db.session.scalars(select(ReportSchedule)).one()
        assert (schedule.frequency, schedule.weekday, schedule.failures) == ("weekly", 4, 0)
    if page.steward_js:
        page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete the schedule of Board giving summary").click()
    settle(page)
    if not page.steward_js:  # the confirmation page
        page.get_by_role("button", name="Delete the schedule").click()
        settle(page)
    expect(page.get_by_text("No report is emailed on a schedule yet")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ReportSchedule.id))) == 0
