"""The public help centre in a real browser, with and without JavaScript:
a customer signs in to the portal with the link emailed to aiosmtpd and
replies to their request; KB suggestions appear while typing a new request
(with JavaScript) or in the "check for answers" step (without), and an
opened suggestion that answered the question is counted; a survey rating by
one click from the email. Screenshots at 1280 and 390 px; axe with JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from modules.helpdesk.kb import feedback
from modules.helpdesk.kb.models import SuggestionOpen
from modules.helpdesk.models import Ticket, TicketMessage
from modules.helpdesk.surveys.models import Satisfaction
from tests.browser.conftest import PHONE, describe_violations, run_axe, run_jobs, settle
from tests.conftest import make_user
from tests.modules.helpdesk.kb_helpers import article, category
from tests.modules.helpdesk.test_portal import ANN, LINK, make_ticket
from tests.modules.helpdesk.test_surveys import SURVEY, solve

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def _articles(app):
    with app.app_context():
        giving = category("Giving and receipts")
        article("Receipts for gifts", "Every gift gets a **receipt** within three days.\n\n"
                "- by email when we have your address\n- by post otherwise", summary="When and how receipts come",
                cat=giving)
        article("Changing a monthly gift", "Write to us with the new amount.", cat=giving)
        article("Opening hours", "Monday to Friday, 9 to 5.", cat=category("About us"))
        db.session.commit()


def _phone_shot(new_page, path: str, js: bool, name: str, shot, cookies=None):
    phone = new_page(js=js, viewport=PHONE)
    if cookies:
        phone.context.add_cookies(cookies)
    phone.goto(path)
    settle(phone)
    shot(phone, name)


def test_portal_sign_in_by_the_emailed_link_and_a_reply(app, any_page, new_page, smtp, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    _articles(app)
    ticket_id = make_ticket(app)
    problems = {}
    page.goto("/help/")
    settle(page)
    expect(page).to_have_title(re.compile("How can we help?"))
    problems["home"] = _blocking(page)
    shot(page, f"help-home-{mode}")
    page.get_by_label("Search the help articles").fill("receipt")
    page.get_by_role("button", name="Search").click()
    settle(page)
    expect(page.get_by_role("heading", name="1 article for “receipt”")).to_be_visible()
    problems["search"] = _blocking(page)
    page.get_by_role("link", name="Receipts for gifts").click()
    settle(page)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Giving and receipts").click()
    settle(page)
    expect(page).to_have_title(re.compile("^Giving and receipts"))
    problems["category"] = _blocking(page)
    shot(page, f"help-category-{mode}")
    _phone_shot(new_page, "/help/", page.steward_js, f"help-home-phone-{mode}", shot)

    page.get_by_role("navigation", name="Help centre").get_by_role("link", name="Sign in").click()
    settle(page)
    page.get_by_label("Your email address").fill(ANN)
    page.get_by_role("button", name="Email me a sign-in link").click()
    settle(page)
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    problems["sent"] = _blocking(page)
    run_jobs(app)
    [mail] = smtp.messages
    path = LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    page.goto(path)
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sign in as {ANN}")
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    problems["portal"] = _blocking(page)
    shot(page, f"help-portal-{mode}")
    cookies = page.context.cookies()
    assert [c["path"] for c in cookies if c["name"] == "steward_portal"] == ["/help"]
    _phone_shot(new_page, "/help/portal/", page.steward_js, f"help-portal-phone-{mode}", shot, cookies)

    page.get_by_role("link", name=re.compile("My receipt is wrong")).click()
    settle(page)
    page.get_by_label("Your reply").fill("Thanks, it still shows the wrong amount.")
    page.get_by_role("button", name="Send my reply").click()
    settle(page)
    expect(page.get_by_text("Your reply is added to the request.")).to_be_visible()
    expect(page.get_by_role("list", name="Conversation")).to_contain_text("still shows the wrong amount")
    problems["ticket"] = _blocking(page)
    shot(page, f"help-portal-ticket-{mode}")
    _phone_shot(new_page, f"/help/portal/tickets/{ticket_id}", page.steward_js, f"help-portal-ticket-phone-{mode}",
                shot, cookies)
    # The staff side does not know this visitor.
    page.goto("/helpdesk/")
    settle(page)
    assert "/login" in page.url
    with app.app_context():
        assert db.session.scalar(select(TicketMessage.body_text).order_by(TicketMessage.id.desc())) == \
            "Thanks, it still shows the wrong amount."
    bad = {k: describe_violations(k, v) for k, v in problems.items() if v}
    assert not bad, "\n".join(bad.values())


def test_articles_are_suggested_while_typing_a_request_and_a_deflection_is_counted(app, any_page, new_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    _articles(app)
    problems = {}
    page.goto("/help/new")
    settle(page)
    page.get_by_label("Your name").fill("Dora Donor")
    page.get_by_label("Your email address").fill("dora@example.net")
    suggestions = page.get_by_role("complementary", name="Suggested articles")
    if page.steward_js:
        page.get_by_label("Subject").press_sequentially("Where is my receipt", delay=20)
        expect(suggestions.get_by_role("link", name="Receipts for gifts")).to_be_visible()
        # Wait for the suggestions the question brings (400 ms after the last key), or they may be
        # swapped in under the click below, which then lands on neither list.
        with page.expect_response(lambda r: "/help/new/suggest" in r.url and "month." in r.url):
            page.get_by_label("Your question").press_sequentially("I gave last month.", delay=10)
        settle(page)
        expect(suggestions.get_by_role("link", name="Receipts for gifts")).to_be_visible()
        # Seen while typing: no separate check step, the button sends.
        expect(page.locator("#help-send")).to_have_text("Send my request")
        problems["new"] = _blocking(page)
        shot(page, "help-new-suggestions-js")
        suggestions.get_by_role("link", name="Receipts for gifts").click()
    else:
        page.get_by_label("Subject").fill("Where is my receipt")
        page.get_by_label("Your question").fill("I gave last month.")
        page.get_by_role("button", name="Check for answers, then send").click()
        settle(page)
        check = page.get_by_role("region", name="These articles may answer your question")
        expect(check.get_by_role("link", name="Receipts for gifts")).to_be_visible()
        expect(page.get_by_label("Subject")).to_have_value("Where is my receipt")  # nothing typed is lost
        shot(page, "help-new-check-nojs")
        with app.app_context():
            assert db.session.scalar(select(Ticket.id)) is None
        check.get_by_role("link", name="Receipts for gifts").click()
    settle(page)
    expect(page).to_have_title(re.compile("^Receipts for gifts"))
    assert page.locator('meta[name="description"]').get_attribute("content") == "When and how receipts come"
    problems["article"] = _blocking(page)
    shot(page, f"help-article-suggested-{mode}")
    page.get_by_role("button", name="Yes, this answered my question").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("answered your question")
    with app.app_context():
        assert feedback.deflections(30) == 1
        assert db.session.scalar(select(SuggestionOpen.answered)) is True
        assert db.session.scalar(select(Ticket.id)) is None
    _phone_shot(new_page, "/help/new", page.steward_js, f"help-new-phone-{mode}", shot)
    _phone_shot(new_page, "/help/articles/receipts-for-gifts", page.steward_js, f"help-article-phone-{mode}", shot)
    bad = {k: describe_violations(k, v) for k, v in problems.items() if v}
    assert not bad, "\n".join(bad.values())


def test_without_a_suggestion_taken_the_request_is_sent(app, any_page, shot):
    page = any_page
    make_user(app)
    _articles(app)
    page.goto("/help/new")
    settle(page)
    page.get_by_label("Your name").fill("Dora Donor")
    page.get_by_label("Your email address").fill("dora@example.net")
    if page.steward_js:
        page.get_by_label("Subject").press_sequentially("Where is my receipt", delay=20)
        page.get_by_label("Your question").fill("I gave last month.")
        expect(page.get_by_role("complementary", name="Suggested articles")).to_contain_text("Receipts for gifts")
    else:
        page.get_by_label("Subject").fill("Where is my receipt")
        page.get_by_label("Your question").fill("I gave last month.")
        page.get_by_role("button", name="Check for answers, then send").click()
        settle(page)
    page.get_by_role("button", name="Send my request").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your request is sent")
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert (ticket.subject, ticket.channel) == ("Where is my receipt", "web")
    expect(page.get_by_role("status")).to_contain_text(f"#{ticket.id + 1000}")


def test_a_survey_rating_by_one_click(app, any_page, new_page, smtp, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    ticket_id = make_ticket(app)
    solve(app, ticket_id)
    run_jobs(app)
    [mail] = [m for m in smtp.messages if m["Subject"].startswith("How did we do?")]
    path = SURVEY.search(mail.get_body(("plain",)).get_content()).group(1)
    page.goto(path + "?rating=good")
    settle(page)
    expect(page.get_by_role("radio", name="Good, I'm satisfied")).to_be_checked()
    with app.app_context():
        assert db.session.scalar(select(Satisfaction.rating)) is None  # opening it votes nothing
    problems = {"survey": _blocking(page)}
    shot(page, f"help-survey-{mode}")
    _phone_shot(new_page, path + "?rating=bad", page.steward_js, f"help-survey-phone-{mode}", shot)
    page.get_by_label("Anything you would like to tell us? (optional)").fill("Very kind, thank you")
    page.get_by_role("button", name="Send my rating").click()
    settle(page)
    expect(page.get_by_role("status")).to_contain_text("Your rating is recorded: good, with your comment.")
    problems["thanks"] = _blocking(page)
    with app.app_context():
        assert db.session.execute(select(Satisfaction.rating, Satisfaction.comment)).one() == (
            "good", "Very kind, thank you")
    bad = {k: describe_violations(k, v) for k, v in problems.items() if v}
    assert not bad, "\n".join(bad.values())
