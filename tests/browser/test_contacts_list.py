"""The contact list in a browser: the count arrives after the rows (and
updates the bulk bar, and is said through the page's live region), and
searching as you type waits for two characters."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _people(app, *names: str) -> None:
    from app.extensions import db
    from modules.contacts.people import records

    with app.app_context():
        for name in names:
            first, last = name.split()
            records.create("person", {"first_name": first, "last_name": last})
        db.session.commit()


def test_the_count_comes_after_the_rows_and_one_letter_does_not_search(app, page, live_url):
    make_user(app)
    _people(app, "Ann Smith", "Andrew Smithers", "Zed Other")
    sign_in(page)
    with page.expect_request(lambda r: "/contacts/count" in r.url) as counted:
        page.goto("/contacts/")
    assert counted.value.headers.get("hx-request") == "true"
    results = page.locator("#contact-results")
    expect(results.locator(".cl-count")).to_contain_text("3 contacts")
    expect(page.locator("#cl-all")).to_have_text("all 3 matching contacts")  # updated out of band
    expect(page.get_by_role("link", name="Count the contacts")).to_have_count(0)  # the no-JS link stays hidden

    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "q=" in r.url else None)
    search = page.get_by_label("Search contacts")
    search.press_sequentially("a")
    page.wait_for_timeout(700)  # longer than the 300 ms the box waits for
    assert searches == [], searches
    expect(results.get_by_role("link", name="Zed Other")).to_be_visible()
    search.press_sequentially("n")
    expect(page).to_have_url(f"{live_url}/contacts/?q=an")
    expect(results.get_by_role("link", name="Zed Other")).to_have_count(0)
    expect(results.locator(".cl-count")).to_contain_text("2 contacts matching “an”")
    # Screen readers hear the new count from the live region that stayed on the page.
    announce = page.locator("#live-announce")
    expect(announce).to_have_text("2 contacts matching “an”.")
    expect(page.locator("[role=status]#live-announce")).to_have_count(1)
