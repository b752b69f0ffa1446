"""The knowledge base's staff pages in a real browser, with and without
JavaScript: an article written, published, changed (a second version),
the diff between them, and the article found from a ticket's reply box and
inserted into the reply (HTMX) or copied from the lookup page (no
JavaScript). Screenshots at 1280 and 390 px; axe with JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from modules.helpdesk.kb.models import Article
from tests.browser.conftest import PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.helpdesk.kb_helpers import category
from tests.modules.helpdesk.test_portal import make_ticket

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def test_writing_publishing_and_comparing_versions_then_using_it_in_a_reply(app, any_page, new_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    with app.app_context():
        category("Giving and receipts")
        db.session.commit()
    ticket_id = make_ticket(app)
    sign_in(page)
    problems = {}
    page.goto("/helpdesk/kb/")
    settle(page)
    page.get_by_role("link", name="Write an article").click()
    settle(page)
    page.get_by_label("Title").fill("Receipts for gifts")
    page.get_by_label("Summary").fill("When and how receipts come")
    page.get_by_label("Text").fill("Every gift gets a receipt.\nWe send it by email.\nAsk us for a copy.")
    page.get_by_label("Category").select_option(label="Giving and receipts")
    page.get_by_label("Who can read it").select_option(value="public")
    problems["form"] = _blocking(page)
    shot(page, f"kb-form-{mode}")
    page.get_by_role("button", name="Save the draft").click()
    settle(page)
    expect(page.get_by_text("Saved version 1 of “Receipts for gifts”.")).to_be_visible()
    page.get_by_role("button", name="Publish the latest version").click()
    settle(page)
    expect(page.get_by_text("Published version 1 of “Receipts for gifts” on the help site.")).to_be_visible()
    page.get_by_role("link", name="Edit the draft").click()
    settle(page)
    page.get_by_label("Text").fill(
        "Every gift gets a receipt.\nWe send it by email within three days.\nAsk us for a copy."
    )
    page.get_by_role("button", name="Save the draft").click()
    settle(page)
    expect(page.get_by_text("Readers still see the published version")).to_be_visible()
    problems["article"] = _blocking(page)
    shot(page, f"kb-article-{mode}")
    page.get_by_role("link", name="Version 2").click()
    settle(page)
    diff = page.get_by_role("table", name=re.compile("Text, line by line"))
    expect(diff.locator("tr.kb-removed")).to_contain_text("We send it by email.")
    expect(diff.locator("tr.kb-added")).to_contain_text("We send it by email within three days.")
    problems["diff"] = _blocking(page)
    shot(page, f"kb-diff-{mode}")
    with app.app_context():
        article = db.session.scalar(select(Article))
        assert (article.version_number, article.published_number) == (2, 1)
        article_id = article.id
    phone = new_page(js=page.steward_js, viewport=PHONE)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"/helpdesk/kb/{article_id}/versions/2")
    settle(phone)
    shot(phone, f"kb-diff-phone-{mode}")

    page.goto(f"/helpdesk/tickets/{ticket_id}")
    settle(page)
    page.get_by_label("Message").fill("Dear Ann,")
    page.get_by_label("Find a knowledge-base article").fill("receipt")
    if page.steward_js:
        page.get_by_label("Find a knowledge-base article").press("Enter")
        settle(page)
        page.get_by_role("button", name="Insert link to “Receipts for gifts”").click()
        settle(page)
        expect(page.get_by_label("Message")).to_have_value(
            re.compile(r"^Dear Ann,\n\nReceipts for gifts: http://\S+/help/articles/receipts-for-gifts\n$")
        )
        problems["ticket"] = _blocking(page)
        shot(page, "kb-reply-insert-js")
    else:
        page.get_by_role("button", name="Find", exact=True).click()
        settle(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Find an article for your reply")
        expect(page.get_by_label("Link to “Receipts for gifts”")).to_have_value(
            re.compile(r"/help/articles/receipts-for-gifts$")
        )
        expect(page.get_by_label("Text of “Receipts for gifts”")).to_have_value(
            re.compile("^Every gift gets a receipt.")
        )
        shot(page, "kb-lookup-nojs")
    bad = {k: describe_violations(k, v) for k, v in problems.items() if v}
    assert not bad, "\n".join(bad.values())
