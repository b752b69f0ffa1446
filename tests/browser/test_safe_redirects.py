"""Cancel links built from `next` stay on the site as Chromium reads them
(issue 14, finding 5): `next=/%09/evil.example` arrives as "/<tab>/evil.example",
which Chromium turned into //evil.example, another host."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from modules.contacts.models import Task
from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_cancel_with_a_tab_in_next_stays_on_the_site(app, page, live_url):
    admin = make_user(app)
    with app.app_context():
        task = Task(title="Ring back the donor", assignee_id=admin.id, created_by_id=admin.id)
        db.session.add(task)
        db.session.commit()
        task_id = task.id
    on_site = re.compile("^" + re.escape(live_url) + "/")
    sign_in(page)
    for address in (f"/contacts/tasks/{task_id}/edit?next=/%09/evil.example",
                    f"/contacts/tasks/{task_id}/delete?next=/%09/evil.example"):
        page.goto(address)
        cancel = page.get_by_role("link", name="Cancel")
        assert on_site.match(cancel.evaluate("link => link.href")), cancel.evaluate("link => link.href")
        cancel.click()
        settle(page)
        expect(page).to_have_url(on_site)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
