"""The helpdesk in a real browser, with and without JavaScript: an email
read over IMAP (Dovecot) becomes a ticket on the requester's contact page;
the agent opens it there and replies with "set waiting on customer"; the
reply reaches aiosmtpd threaded, and the customer's answer threads back
into the same ticket. Screenshots at 1280 and 390 px; axe with JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from modules.helpdesk.models import Ticket
from tests.browser.conftest import PHONE, describe_violations, run_axe, run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.modules.helpdesk.conftest import eml, imap, inbox, mailroom, own_domain  # noqa: F401

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def test_an_email_becomes_a_ticket_on_the_contact_and_the_agent_replies(app, any_page, mailroom, smtp, shot):  # noqa: F811
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    assert mailroom.deliver(eml("gmail_new.eml")).startswith("1 mailbox(es): 1 new message(s)")
    with app.app_context():
        ticket_id, contact_id = db.session.execute(select(Ticket.id, Ticket.requester_id)).one()
    number = ticket_id + 1000
    sign_in(page)

    page.goto(f"/contacts/{contact_id}")
    settle(page)
    panel = page.locator("section", has=page.get_by_role("heading", name="Tickets"))
    link = panel.get_by_role("link", name=f"#{number} Question about my donation receipt")
    expect(link).to_be_visible()
    panel.scroll_into_view_if_needed()
    shot(page, f"helpdesk-contact-{mode}", full_page=False)
    link.click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"#{number} Question about my donation receipt")
    conversation = page.get_by_role("list", name="Conversation")
    expect(conversation).to_contain_text("I gave £50 in November")
    problems = {"ticket": _blocking(page)}
    shot(page, f"helpdesk-ticket-new-{mode}")

    page.get_by_label("Message").fill("Dear Ann,\n\nSorry about that: a corrected receipt is on its way.")
    page.get_by_label("Then set the status to").select_option(label="Waiting on customer")
    page.get_by_role("button", name="Send").click()
    settle(page)
    expect(page.get_by_text("Reply sent to ann.able@gmail.com.")).to_be_visible()
    expect(conversation).to_contain_text("a corrected receipt is on its way")
    expect(page.locator(".hd-layout .badge, .page-head .badge").first).to_have_text("Waiting on customer")

    run_jobs(app)
    [sent] = smtp.messages
    assert sent["Subject"] == f"Re: Question about my donation receipt [#{number}]"
    assert sent["In-Reply-To"] == "<CAK7nJx0ann0001+Qd1kY=ZpR8w@mail.gmail.com>"

    mailroom.deliver(eml("gmail_reply.eml", reply_id=sent["Message-ID"].strip("<>"), number=number))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    page.reload()
    settle(page)
    expect(conversation).to_contain_text("Thank you, the new receipt is right.")
    expect(page.get_by_text("Show the whole message (quoted text)").first).to_be_visible()
    shot(page, f"helpdesk-ticket-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"helpdesk-ticket-phone-{mode}")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/helpdesk/?view=all&status=any")
    settle(page)
    expect(page.get_by_role("link", name=f"#{number} Question about my donation receipt")).to_be_visible()
    problems["queue"] = _blocking(page)
    shot(page, f"helpdesk-queue-{mode}")
    page.set_viewport_size(PHONE)
    shot(page, f"helpdesk-queue-phone-{mode}")
    assert not any(problems.values()), "\n".join(describe_violations(u, v) for u, v in problems.items() if v)
