"""A date that does not exist typed into a browser's date box (issue 16
part 2, item 3): the browser would send "" and the server could only say
the date is missing, so with JavaScript the form says "That date does not
exist." next to the field, with the server's error markup, and is not sent.
Without JavaScript the server still refuses the empty date and saves nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline.models import Gift
from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _donor(app) -> int:
    with app.app_context():
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.commit()
        return grace.id


def _gifts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Gift))


def _type_30_february(page) -> None:
    box = page.get_by_label("Date received")
    box.click()
    page.keyboard.press("Control+a")
    # Chromium's date box in en-US takes month, day, year as typed digits.
    page.keyboard.type("02302025")
    assert box.evaluate("el => el.validity.badInput") is True
    assert box.input_value() == ""


def test_an_impossible_date_is_named_next_to_the_field_and_not_sent(app, any_page, shot):
    page = any_page
    make_user(app)
    donor = _donor(app)
    sign_in(page)
    page.goto(f"/pipeline/gifts/new?contact={donor}")
    settle(page)
    page.get_by_label("Amount", exact=True).fill("25")
    _type_30_february(page)
    page.get_by_role("button", name="Record gift").click()
    settle(page)
    error = page.locator("#received_on-error")
    if page.steward_js:
        expect(error).to_have_text("That date does not exist.")
        expect(page).to_have_url(re.compile(r"/pipeline/gifts/new\?contact="))
        box = page.get_by_label("Date received")
        expect(box).to_have_attribute("aria-invalid", "true")
        assert "received_on-error" in box.get_attribute("aria-describedby").split()
        assert box.evaluate("el => el.validity.badInput") is True  # what was typed is still there
        expect(page.locator(".field.has-error")).to_have_count(1)
        shot(page, "impossible-date-js")
        # Putting the date right sends the form.
        box.fill("2025-02-28")
        page.get_by_role("button", name="Record gift").click()
        settle(page)
        expect(page).to_have_url(re.compile(r"/pipeline/gifts/\d+$"))
        assert _gifts(app) == 1
    else:
        expect(error).to_have_text("Enter the date the gift was received.")
        assert _gifts(app) == 0
