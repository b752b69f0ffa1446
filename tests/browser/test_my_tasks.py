"""My tasks in a real browser: Done over HTMX swaps only the task's row (it
stays, with Reopen), and the group's counter follows at once; without
JavaScript the page reloads with the counts from the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _tasks(app) -> None:
    from app.extensions import db
    from app.models import User
    from modules.contacts.activity import tasks_service
    from modules.contacts.activity.timeline import local_today

    with app.app_context():
        me = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
        today = local_today()
        for title, due in (("Call Grace", today - timedelta(days=3)), ("Write to Ada", today - timedelta(days=1)),
                           ("Book the hall", today)):
            tasks_service.create({"title": title, "due_date": due, "assignee_id": me.id}, user=me)
        db.session.commit()


def _badge(page, group: str):
    return page.locator(f"#group-{group} .badge")


def test_done_and_reopen_keep_the_group_counters_true(app, any_page, live_url):
    page = any_page
    make_user(app)
    _tasks(app)
    sign_in(page)
    page.goto("/contacts/tasks")
    expect(_badge(page, "overdue")).to_have_text("2")
    expect(page.locator(".task-group-done summary")).to_contain_text("(last 0)")
    expect(_badge(page, "today")).to_have_text("1")

    page.get_by_role("button", name="mark “Call Grace” done").click()
    settle(page)
    expect(_badge(page, "overdue")).to_have_text("1")
    expect(_badge(page, "overdue")).to_have_class("badge danger")
    expect(page.locator(".task-group-done summary")).to_contain_text("(last 1)")
    if page.steward_js:  # the row stays where it was, one click from Reopen
        expect(page.locator("#group-overdue").locator("xpath=..").get_by_role(
            "button", name="Reopen “Call Grace”")).to_be_visible()
        screenshot(page, "my-tasks-after-done")

    page.get_by_role("button", name="mark “Book the hall” done").click()
    settle(page)
    expect(_badge(page, "today")).to_have_text("0")
    expect(_badge(page, "today")).to_have_class("badge")  # nothing due today: no warning colour

    if not page.steward_js:  # reloaded: the task now sits in the folded Done group
        page.locator(".task-group-done > summary").click()
    page.get_by_role("button", name="Reopen “Call Grace”").click()
    settle(page)
    expect(_badge(page, "overdue")).to_have_text("2")
    expect(page.locator(".task-group-done summary")).to_contain_text("(last 1)")  # the hall is still done
