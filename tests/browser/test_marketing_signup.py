"""The marketing module in a real browser, with and without JavaScript: a
visitor signs up on the public form, confirms from the link in the email
that reached aiosmtpd (one click with scripts: the page posts itself; a
button without), changes their topics on the preference page and
unsubscribes; staff see it on the contact page. Screenshots at desktop and
phone widths of every page built here."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import settings
from app.extensions import db
from modules.contacts.models import Contact
from modules.marketing import tokens
from modules.marketing.models import MANUAL
from modules.marketing.suppressions import suppress
from tests.browser.conftest import DESKTOP, PHONE, link_in, run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.helpers import count, ledger, make_person, make_topic, subscription_rows

pytestmark = pytest.mark.browser

WORDING = "Yes, email me the monthly newsletter. I can unsubscribe at any time."


def _both(page, shot, name: str) -> None:
    """Screenshots at 1280 px and 390 px, back at desktop width after."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        shot(page, f"marketing-{name}-{label}")
    page.set_viewport_size(DESKTOP)


def _organisation(app, live_url) -> dict:
    make_user(app)
    with app.test_request_context(base_url=live_url):
        settings.put("core", {"org_name": "Riverside Food Bank",
                              "postal_address": "12 Mill Lane\nRiverside RV1 2AB"})
        db.session.commit()
    return {"news": make_topic(app, "Newsletter", wording=WORDING,
                               description="Stories from the food bank and what we need, once a month."),
            "events": make_topic(app, "Events", wording="Yes, tell me about volunteer days and events.",
                                 description="Volunteer days, collections and open evenings.")}


def test_sign_up_confirm_and_change_preferences(app, any_page, live_url, smtp, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    topics = _organisation(app, live_url)

    page.goto("/marketing/join/newsletter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter")
    expect(page.locator(".public-consent")).to_have_text(WORDING)
    _both(page, shot, f"join-{mode}")
    page.get_by_label("Email address").fill("Nora.Quist@example.org")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quist")
    page.get_by_role("button", name="Sign up").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    _both(page, shot, f"join-sent-{mode}")
    assert count(app, Contact) == 0

    run_jobs(app)
    assert len(smtp.messages) == 1
    link = link_in(smtp.messages[0], "/marketing/join/confirm/")
    page.goto(link)
    if page.steward_js:
        # The page posted itself: one click from the email.
        expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
        _both(page, shot, "confirm-nojs")
        assert subscription_rows(app) == []  # opening the link confirmed nothing
        page.get_by_role("button", name="Confirm my subscription").click()
        settle(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
    _both(page, shot, f"subscribed-{mode}")
    with app.app_context():
        contact_id = db.session.scalar(select(Contact.id).where(Contact.email == "nora.quist@example.org"))
    assert subscription_rows(app) == [(contact_id, topics["news"], "subscribed", "sign-up form")]
    assert [(e["status"], e["wording"]) for e in ledger(app)] == [("opted_in", WORDING)]

    with app.test_request_context(base_url=live_url):
        preferences = f"/marketing/preferences/{tokens.preference_token(contact_id)}"
        unsubscribe = f"/marketing/unsubscribe/{tokens.preference_token(contact_id, topics['events'])}"
        db.session.commit()
    page.goto(preferences)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your email preferences")
    newsletter = page.get_by_role("checkbox", name="Newsletter")
    events = page.get_by_role("checkbox", name="Events")
    expect(newsletter).to_be_checked()
    expect(events).not_to_be_checked()
    _both(page, shot, f"preferences-{mode}")
    newsletter.uncheck()
    events.check()
    page.get_by_role("button", name="Save my choices").click()
    settle(page)
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved.")
    expect(page.get_by_role("checkbox", name="Events")).to_be_checked()
    assert sorted(subscription_rows(app)) == sorted([
        (contact_id, topics["news"], "unsubscribed", "preference page"),
        (contact_id, topics["events"], "subscribed", "preference page")])

    page.goto(unsubscribe)  # the List-Unsubscribe link: a GET only asks
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe from Events?")
    _both(page, shot, f"unsubscribe-{mode}")
    assert {t: s for _, t, s, _ in subscription_rows(app)}[topics["events"]] == "subscribed"  # asking changed nothing
    page.get_by_role("button", name="Unsubscribe").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    _both(page, shot, f"unsubscribed-{mode}")
    assert {t: s for _, t, s, _ in subscription_rows(app)} == {topics["news"]: "unsubscribed",
                                                                topics["events"]: "unsubscribed"}
    assert [(e["topic"], e["status"], e["source"]) for e in ledger(app)] == [
        (f"marketing:{topics['news']}", "opted_in", "sign-up form"),
        (f"marketing:{topics['events']}", "opted_in", "preference page"),
        (f"marketing:{topics['news']}", "opted_out", "preference page"),
        (f"marketing:{topics['events']}", "opted_out", "one-click unsubscribe")]


def test_staff_pages_topics_suppressions_and_the_contact_panel(app, any_page, live_url, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    topics = _organisation(app, live_url)
    with app.test_request_context(base_url=live_url):
        for n, email in enumerate(("bounced@example.org", "=cmd@example.net", "complained@example.com")):
            suppress(email, ("hard_bounce", MANUAL, "complaint")[n], note="From the old mailing tool" if n else "")
        db.session.commit()
    sign_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Marketing").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Marketing")
    _both(page, shot, f"index-{mode}")

    page.get_by_role("link", name="Add a topic").click()
    settle(page)
    page.get_by_label("Name").fill("Year 7 families")
    page.get_by_label("Public description").fill("News for the families of Year 7.")
    page.get_by_label("Consent wording").fill("Yes, email me Year 7 news.")
    _both(page, shot, f"topic-form-{mode}")
    page.get_by_role("button", name="Save").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Year 7 families")
    expect(page.get_by_label("HTML to paste")).to_have_value(re.compile(r'action="http://127\.0\.0\.1:\d+/marketing/join/year-7-families"'))
    _both(page, shot, f"topic-{mode}")

    page.goto("/marketing/suppressions")
    expect(page.get_by_role("cell", name="bounced@example.org", exact=True)).to_be_visible()
    _both(page, shot, f"suppressions-{mode}")
    page.get_by_label("Address starts with").fill("compl")
    if not page.steward_js:
        page.get_by_role("button", name="Search").click()
    settle(page)
    expect(page.get_by_role("cell", name="complained@example.com", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="bounced@example.org", exact=True)).to_have_count(0)

    grace = make_person(app, "Grace", "Hopper", "bounced@example.org")
    page.goto(f"/contacts/{grace}")
    panel = page.locator("#panel-subscriptions")
    expect(panel).to_contain_text("on the suppression list (hard bounce)")
    panel.get_by_role("button", name="Subscribe Grace Hopper to Newsletter").click()
    settle(page)
    panel = page.locator("#panel-subscriptions")
    expect(panel.get_by_text("Subscribed", exact=True)).to_be_visible()
    expect(page.locator("#contact-preferences")).to_contain_text("Newsletter")
    panel.scroll_into_view_if_needed()
    _both(page, shot, f"contact-panel-{mode}")
    assert subscription_rows(app) == [(grace, topics["news"], "subscribed", "staff")]
