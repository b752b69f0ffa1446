"""Recording a gift in a real browser, with and without JavaScript: the donor,
a soft credit and the person notified of a tribute are each found with a
contact search (live results with JavaScript, the Find button without),
then the gift page shows it all. The giving pages pass axe."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline.models import Gift
from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _people(app) -> dict:
    with app.app_context():
        out = {}
        for first, last, email in (("Grace", "Hopper", "grace@example.org"), ("Vincent", "Hopper", ""),
                                   ("Walter", "Murray", "walter@example.org")):
            details = records.Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [])
            out[first] = records.create("person", {"first_name": first, "last_name": last}, details).id
        db.session.commit()
        return out


def _pick(page, fieldset_id: str, query: str, name: str) -> None:
    """Search in one contact picker and choose `name` from its results."""
    box = page.locator(f"#{fieldset_id}")
    box.get_by_role("searchbox").fill(query)
    if not page.steward_js:
        box.get_by_role("button", name=re.compile("^Find")).click()
        settle(page)
        box = page.locator(f"#{fieldset_id}")
    radio = box.get_by_role("radio", name=re.compile(name))
    expect(radio).to_have_count(1)
    radio.check()


def _blocking(page) -> list[dict]:
    """axe's serious and critical findings (axe is a script: only with JavaScript on)."""
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def test_recording_a_gift_with_a_soft_credit_and_a_tribute(app, any_page, live_url, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    people = _people(app)
    sign_in(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Giving").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Gifts")
    giving_nav = page.get_by_role("navigation", name="Giving")
    expect(giving_nav.get_by_role("link", name="Gifts", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.locator("#gift-results .cl-count")).to_contain_text("No gifts")
    problems = {"/pipeline/gifts/": _blocking(page)}
    page.get_by_role("link", name="Record a gift").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a gift")

    _pick(page, "contact-id", "grace", "Grace Hopper")
    page.get_by_label("Amount", exact=True).fill("1,250.50")
    page.get_by_label("Date received").fill("2026-03-01")
    page.get_by_label("Fund or designation").select_option(label="General fund")
    page.get_by_label("Payment method").select_option(label="Cheque")
    page.get_by_label("Reference").fill("CHQ 1044")

    page.get_by_role("button", name="Add a soft credit").click()
    settle(page)
    # What was typed survives the round trip.
    expect(page.get_by_label("Amount", exact=True)).to_have_value("1,250.50")
    expect(page.locator("#contact-id").get_by_role("radio", name=re.compile("Grace Hopper"))).to_be_checked()
    _pick(page, "sc-0-contact", "vincent", "Vincent Hopper")
    page.get_by_label("Role").select_option(label="Spouse")

    page.get_by_label("Tribute", exact=True).select_option(label="In memory of")
    page.get_by_label("In honour or memory of").fill("Ada Murray")
    _pick(page, "tribute-notify-id", "walter", "Walter Murray")
    problems["/pipeline/gifts/new"] = _blocking(page)
    shot(page, f"pipeline-gift-form-{mode}")

    page.get_by_role("button", name="Record gift").click()
    settle(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(live_url)}/pipeline/gifts/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gift of $1,250.50")
    expect(page.locator(".flash")).to_have_text("Recorded the gift.")
    main = page.get_by_role("main")
    for text in ("Grace Hopper", "Vincent Hopper", "Spouse", "In memory of", "Ada Murray", "Walter Murray",
                 "General fund", "Cheque", "CHQ 1044"):
        expect(main).to_contain_text(text)
    problems[page.url] = _blocking(page)
    shot(page, f"pipeline-gift-page-{mode}")

    with app.app_context():
        gift = db.session.scalars(select(Gift)).one()
        assert (gift.contact_id, gift.amount, gift.tribute_notify_id) == (people["Grace"], Decimal("1250.50"),
                                                                          people["Walter"])
        assert [(c.contact_id, c.amount, c.role) for c in gift.soft_credits] == [
            (people["Vincent"], Decimal("1250.50"), "spouse")]

    page.get_by_role("navigation", name="Giving").get_by_role("link", name="Gifts", exact=True).click()
    settle(page)
    expect(page.locator("#gift-results .cl-count")).to_contain_text("1 gift totalling $1,250.50")
    for path in ("/pipeline/pledges/", "/pipeline/recurring/", "/pipeline/admin/funds", "/pipeline/gifts/imports/"):
        page.goto(path)
        settle(page)
        problems[path] = _blocking(page)
    failing = {url: v for url, v in problems.items() if v}
    assert not failing, "\n".join(describe_violations(url, v) for url, v in failing.items())
