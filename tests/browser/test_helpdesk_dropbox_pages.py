"""What the BCC dropbox and campaign replies show a person, in a real
browser with and without JavaScript: the email logged on the contact's
timeline, and the ticket whose first entry links the campaign. Mail comes
in through the core's `take` (as a Postfix pipe hands it over); both pages
pass axe and fit at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.intake import take
from app.models import Mailbox
from app.models.base import utcnow
from modules.helpdesk.models import Team, Ticket
from modules.marketing.campaign_models import SENT_ROW, Campaign, Recipient
from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.helpdesk.conftest import eml
from tests.modules.marketing.campaign_helpers import person

pytestmark = pytest.mark.browser


def _mail_in(app) -> tuple[int, int, int]:
    with app.app_context():
        log = Mailbox(name="Correspondence log", kind="helpdesk.dropbox", host="", last_uid=0)
        support = Mailbox(name="Support", kind="helpdesk.tickets", host="", last_uid=0)
        db.session.add_all([log, support])
        db.session.flush()
        db.session.add(Team(name="Supporter care", address="support@charity.example", mailbox_id=support.id))
        campaign = Campaign(name="Spring appeal", subject="Spring appeal: plant a tree", body="Hello",
                            audience={"segments": []}, reply_to="support@charity.example")
        db.session.add(campaign)
        db.session.flush()
        ann = person("Ann", "ann.able@gmail.com")
        db.session.add(Recipient(campaign_id=campaign.id, contact_id=ann.id, email="ann.able@gmail.com",
                                 status=SENT_ROW, message_id=f"<c{campaign.id}.r1.a1b2c3d4e5f6@news.example>",
                                 sent_at=utcnow()))
        db.session.commit()
        take(log, eml("dropbox_bcc_outlook.eml"))
        take(support, eml("campaign_reply.eml", n=1, who="Ann Test", address="ann.able@gmail.com",
                          to="support@charity.example", in_reply_to=f"<c{campaign.id}.r1.a1b2c3d4e5f6@news.example>"))
        return ann.id, db.session.scalar(select(Ticket.id)), campaign.id


def _check(page, name: str, shot) -> list[str]:
    """Screenshots at both widths; with JavaScript on, what axe finds and whether the page scrolls sideways."""
    problems = []
    for size, width in ((DESKTOP, 1280), (PHONE, 390)):
        page.set_viewport_size(size)
        shot(page, f"helpdesk-dropbox/{name}-{'js' if page.steward_js else 'nojs'}-{width}")
        if page.steward_js:  # page scripts (evaluate, axe) hang in a page with JavaScript off
            if page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"):
                problems.append(f"{name} scrolls sideways at {width} px")
            found = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
            if found:
                problems.append(describe_violations(f"{name} at {width} px", found))
    page.set_viewport_size(DESKTOP)
    return problems


def test_the_timeline_entry_and_the_campaign_ticket_as_people_see_them(app, any_page, live_url, shot):
    page = any_page
    make_user(app)
    contact_id, ticket_id, campaign_id = _mail_in(app)
    sign_in(page)

    page.goto(f"{live_url}/contacts/{contact_id}/timeline")
    settle(page)
    expect(page.get_by_text("Your visit to the reserve on Saturday")).to_have_count(1)
    expect(page.get_by_text("We meet at the north gate at 9:30.", exact=False)).to_be_visible()
    problems = _check(page, "timeline", shot)

    page.goto(f"{live_url}/helpdesk/tickets/{ticket_id}")
    settle(page)
    link = page.get_by_role("link", name=f"/marketing/campaigns/{campaign_id}", exact=False)
    expect(link).to_have_count(1)
    expect(page.get_by_text("Reply to the campaign “Spring appeal”", exact=False)).to_be_visible()
    problems += _check(page, "ticket", shot)
    assert link.get_attribute("href").endswith(f"/marketing/campaigns/{campaign_id}")  # on BASE_URL

    assert not problems, "\n".join(problems)
