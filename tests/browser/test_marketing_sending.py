"""The sending pages in a real browser, with and without JavaScript: the
sending settings saved, a campaign's progress waiting for the hourly cap,
then paused, resumed and cancelled by the buttons on its progress page.
They pass axe (with JavaScript) and are screenshotted at 1280 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app import settings
from tests.browser.conftest import run_axe, run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.sending.helpers import campaign_state, deliveries, make_campaign

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def _shots(page, shot, name: str) -> None:
    mode = "js" if page.steward_js else "nojs"
    shot(page, f"marketing-{name}-{mode}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"marketing-{name}-{mode}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_sending_settings_are_saved(app, any_page, live_url, shot):
    page = any_page
    make_user(app)
    sign_in(page)
    page.goto("/marketing/settings/sending")
    page.get_by_label("Messages per second").fill("12")
    page.get_by_label("At most per hour").fill("5000")
    page.get_by_label("Bounce domain").fill("bounces.park.example.org")
    page.get_by_role("button", name="Save the sending settings").click()
    settle(page)
    expect(page.get_by_text("The sending settings are saved.")).to_be_visible()
    expect(page.get_by_label("Messages per second")).to_have_value("12")
    assert _blocking(page) == []
    _shots(page, shot, "sending-settings")
    with app.test_request_context():
        assert (settings.get("marketing", "send_rate_per_second"), settings.get("marketing", "send_hourly_cap"),
                settings.get("marketing", "send_bounce_domain")) == (12, 5000, "bounces.park.example.org")


def test_progress_pause_resume_and_cancel(app, any_page, live_url, shot, smtp):
    page = any_page
    make_user(app)
    campaign_id = make_campaign(app, 4, send_batch_size=2, send_hourly_cap=2)
    run_jobs(app)
    sign_in(page)
    page.goto(f"/marketing/campaigns/{campaign_id}/progress")
    progress = page.locator("#send-progress")
    expect(progress).to_contain_text("Waiting for the hourly cap")
    counts = progress.locator(".send-counts dd")
    expect(counts).to_have_text(["2", "0", "2", re.compile(r"per second"), "after the wait"])
    assert _blocking(page) == []
    _shots(page, shot, "send-progress")

    page.get_by_role("button", name="Pause sending").click()
    settle(page)
    expect(page.get_by_text("Paused by hand.")).to_be_visible()
    assert campaign_state(app, campaign_id)["status"] == "paused"

    page.get_by_role("button", name="Resume sending").click()
    settle(page)
    expect(page.get_by_role("button", name="Pause sending")).to_be_visible()
    assert campaign_state(app, campaign_id)["status"] == "sending"

    page.get_by_role("link", name="Cancel the campaign…").click()
    settle(page)
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    page.get_by_role("button", name="Cancel the campaign").click()
    settle(page)
    expect(page.locator("#send-progress")).to_contain_text("Cancelled")
    run_jobs(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "cancelled" and state["rows"] == {"sent": 2, "queued": 2}
    assert sum(deliveries(smtp).values()) == 2
