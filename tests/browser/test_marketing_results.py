"""Measuring results in a real browser, with and without JavaScript: a sent
campaign's page shows its results as text in accessible tables (and the
list its counts), a contact's timeline shows the campaigns they received
and what they did, and "clicked the appeal but did not give" is saved as a
segment from the contacts list. axe with JavaScript; screenshots at 1280
and 390 px."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from modules.contacts.lists.segments import contact_ids_select
from modules.contacts.models import Contact, Segment
from modules.marketing.campaign_models import Campaign
from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.tracking.data import history

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def _shots(page, shot, name: str) -> None:
    mode = "js" if page.steward_js else "nojs"
    shot(page, f"marketing-{name}-{mode}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"marketing-{name}-{mode}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def results(app):
    make_user(app)
    from modules.pipeline.gifts import record_gift

    with app.app_context():
        h = history()
        appeal = db.session.get(Campaign, h["appeal"])
        appeal.track_opens = True
        appeal.recipients_total = 4
        appeal.failed_count = 1
        record_gift(contact_id=h["people"]["Ann"], amount=Decimal("25.00"), received_on=date.today())
        db.session.commit()
    return h


def test_the_campaign_page_and_list_show_the_results(app, any_page, live_url, shot, results):
    page = any_page
    sign_in(page)
    page.goto(f"/marketing/campaigns/{results['appeal']}")
    settle(page)
    def cells(label: str) -> list[str]:
        row = page.locator("#results-table tr").filter(has=page.get_by_role("rowheader", name=label, exact=True))
        return row.get_by_role("cell").all_inner_texts()

    assert cells("Delivered") == ["3", "—"]
    assert cells("Bounced: hard") == ["0", "—"]
    assert cells("Clicked a link") == ["2", "66.7%"]
    assert cells("Opened, by a person") == ["1", "33.3%"]
    expect(page.get_by_role("rowheader", name="Opened, by a machine")).to_be_visible()
    link_row = page.locator("#link-table tbody tr")
    assert link_row.get_by_role("cell").all_inner_texts() == ["https://example.org/give", "2", "3"]
    problems = _blocking(page)
    assert not problems, describe_violations("campaign results", problems)
    _shots(page, shot, "campaign-results")

    page.goto("/marketing/campaigns")
    settle(page)
    row = page.get_by_role("row", name="Spring appeal")
    cells = row.get_by_role("cell")
    expect(cells.nth(4)).to_have_text("0")  # bounced
    expect(cells.nth(5)).to_have_text("2")  # clicked
    expect(cells.nth(6)).to_have_text("1")  # opened by a person
    news = page.get_by_role("row", name="June news").get_by_role("cell")
    expect(news.nth(4)).to_have_text("1")  # Cat's hard bounce
    assert not _blocking(page)
    _shots(page, shot, "campaign-list-results")


def test_the_contact_timeline_shows_the_campaigns(app, any_page, live_url, shot, results):
    page = any_page
    sign_in(page)
    page.goto(f"/contacts/{results['people']['Ann']}/timeline")
    settle(page)
    expect(page.get_by_text("Campaign “Spring appeal”: received, opened, clicked")).to_be_visible()
    expect(page.get_by_text("Campaign “June news”: received", exact=True)).to_be_visible()
    problems = _blocking(page)
    assert not problems, describe_violations("contact timeline", problems)
    _shots(page, shot, "contact-timeline-campaigns")
    page.goto(f"/contacts/{results['people']['Cat']}/timeline")
    settle(page)
    expect(page.get_by_text("Campaign “June news”: received, bounced (hard)")).to_be_visible()


def test_clicked_the_appeal_but_did_not_give_becomes_a_segment(app, any_page, live_url, shot, results):
    page = any_page
    sign_in(page)
    page.goto(f"/contacts/?f=campaign_clicked:is:{results['appeal']}&f=gave:not_between:2000-01-01..2100-12-31")
    settle(page)
    expect(page.get_by_role("link", name="Bob Test")).to_be_visible()
    expect(page.get_by_role("link", name="Ann Test")).to_have_count(0)  # clicked, but gave
    expect(page.get_by_role("link", name="Cat Test")).to_have_count(0)  # did not click
    _shots(page, shot, "segment-clicked-not-given")
    page.get_by_role("link", name="Save as segment").click()
    settle(page)
    page.get_by_label("Name").fill("Clicked the appeal, did not give")
    page.get_by_role("button", name="Save segment").click()
    settle(page)
    with app.app_context():
        segment = db.session.scalar(select(Segment).where(Segment.name == "Clicked the appeal, did not give"))
        assert segment is not None
        names = set(db.session.scalars(select(Contact.first_name).where(Contact.id.in_(contact_ids_select(segment)))))
        assert names == {"Bob"}
    expect(page.get_by_role("link", name="Bob Test")).to_be_visible()
    assert not _blocking(page)
