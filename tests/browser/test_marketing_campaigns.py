"""A campaign in a real browser, with and without JavaScript: written for a
saved segment, previewed as a contact found with the picker, tested to an
address (delivered to a real SMTP server), scheduled, and cancelled, which
sends nothing. Screenshots at 1280 and 390 pixels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models.base import utcnow
from modules.marketing.campaign_models import DRAFT, Campaign, Recipient
from tests.browser.conftest import run_axe, run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.campaign_helpers import person, segment, verified_sender

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _audience(app):
    with app.app_context():
        person("Ann", "ann@example.org", tags=["News"])
        person("Bob", "bob@example.org")
        segment("News readers", "News")
        verified_sender()
        db.session.commit()


def test_write_preview_test_schedule_and_cancel_a_campaign(app, any_page, smtp, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    _audience(app)
    sign_in(page)

    page.goto("/marketing/campaigns")
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaigns")
    page.get_by_role("link", name="New campaign").click()
    settle(page)
    page.get_by_label("Name (for staff)").fill("Spring news")
    page.get_by_label("Subject", exact=True).fill("Spring news for {{ contact.first_name }}")
    page.get_by_label("From").select_option(label="Riverside <news@riverside.example>")
    page.get_by_label("Body").fill("Dear {{ contact.first_name }},\n\nOur **spring** news.")
    page.get_by_label("Segments", exact=True).select_option(label="News readers")
    shot(page, f"campaign-form-1280-{mode}")
    page.get_by_role("button", name="Save the draft").click()
    settle(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Spring news")
    expect(page.locator("#audience-size")).to_have_text("1 message")
    expect(page.locator("#checklist .problem")).to_have_count(0)
    if page.steward_js:
        assert [v for v in run_axe(page) if v["impact"] in ("serious", "critical")] == []

    page.get_by_role("searchbox", name="Preview as").fill("ann")
    page.get_by_role("button", name="Find").click()
    settle(page)
    page.get_by_role("link", name=re.compile(r"^Ann Test")).click()
    settle(page)
    expect(page.locator("#preview-subject")).to_have_text("Spring news for Ann")
    expect(page.locator("#preview-body")).to_contain_text("Dear Ann,")
    expect(page.locator("#preview-body strong")).to_have_text("spring")
    shot(page, f"campaign-page-1280-{mode}")

    page.get_by_label("Send a test to").fill("me@example.org")
    page.get_by_role("button", name="Send the test").click()
    settle(page)
    expect(page.get_by_text("Sent a test to me@example.org.")).to_be_visible()
    run_jobs(app)
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [("me@example.org", "[Test] Spring news for Ann")]

    at = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    page.get_by_label("Send at").fill(at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule").click()
    settle(page)
    expect(page.locator("#campaign-status")).to_contain_text("Scheduled")
    page.set_viewport_size(PHONE)
    shot(page, f"campaign-page-390-{mode}")
    page.get_by_role("button", name="Cancel the schedule").click()
    settle(page)
    expect(page.locator("#campaign-status")).to_contain_text("Draft")
    with app.app_context():
        assert db.session.scalars(select(Campaign.status)).all() == [DRAFT]
        assert db.session.scalar(select(func.count()).select_from(Recipient)) == 0
    assert len(smtp.messages) == 1  # the test only


def test_the_layout_editor_and_the_senders_page(app, any_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    sign_in(page)
    page.goto("/marketing/layouts")
    page.get_by_role("link", name="Standard").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the layout Standard")
    expect(page.get_by_label("Layout", exact=True)).to_contain_text("{{ unsubscribe_url }}")
    if not page.steward_js:
        page.get_by_role("button", name=re.compile("^Preview")).click()
        settle(page)
    expect(page.locator(".template-preview-page")).to_contain_text("The campaign's body goes here.")
    shot(page, f"campaign-layout-1280-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"campaign-layout-390-{mode}")
    page.goto("/marketing/senders")
    page.get_by_label("Name people see").fill("Riverside")
    page.get_by_label("Email address").fill("news@riverside.example")
    page.get_by_role("button", name="Add and send the confirmation").click()
    settle(page)
    expect(page.get_by_role("cell", name="news@riverside.example", exact=True)).to_be_visible()
    expect(page.get_by_text("Waiting for confirmation", exact=True)).to_be_visible()
    shot(page, f"campaign-senders-390-{mode}")
