"""Without JavaScript, "Add another email" on a new contact brings the form
back with one more row and creates nothing, so Cancel leaves no
half-entered contact behind (issue 16, part 2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _contacts(app) -> int:
    from app.extensions import db
    from modules.contacts.models import Contact

    with app.app_context():
        count = db.session.scalar(select(func.count(Contact.id)))
        db.session.remove()
        return count


def test_adding_an_email_row_then_cancelling_leaves_nothing(app, nojs_page, live_url):
    page = nojs_page
    make_user(app)
    sign_in(page)
    page.goto("/contacts/new?kind=person")
    page.get_by_label("First name").fill("Ann")
    page.locator("#emails-0-email").fill("ann@example.org")
    page.get_by_role("button", name="Add another email").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("New person")
    expect(page.get_by_label("First name")).to_have_value("Ann")
    expect(page.locator("#emails-0-email")).to_have_value("ann@example.org")
    expect(page.locator("input[name$='-email']")).to_have_count(3)
    assert _contacts(app) == 0
    page.get_by_role("link", name="Cancel").click()
    settle(page)
    assert _contacts(app) == 0
