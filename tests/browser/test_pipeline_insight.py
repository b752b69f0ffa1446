"""Donor insight in a real browser, with and without JavaScript: the Giving
and Opportunities panels (loaded after the page with JavaScript, on pages of
their own without) and the giving timeline on a contact's page, the
dashboard's giving chart (and its numbers as text), and a LYBUNT segment in
the contacts list. axe on the contact page and the dashboard; screenshots of
both."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

TODAY = date(2026, 3, 15)


def blocking(violations):
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


@pytest.fixture
def donor(app, monkeypatch):
    """Grace Hopper of the Hopper household, who gave in 2024, 2025 and 2026;
    "today" pinned to 15 March 2026 for the panel, the widget and the filters."""
    from app.extensions import db
    from modules.contacts.people import records
    from modules.pipeline import contact_hooks, gifts, giving_filters, widgets
    from modules.pipeline.models import Opportunity, Pipeline, RecurringGift

    for target in (contact_hooks, widgets):
        monkeypatch.setattr(target, "local_today", lambda: TODAY)
    monkeypatch.setattr(giving_filters, "_local_today", lambda: TODAY)
    make_user(app)
    with app.app_context():
        home = records.create("household", {"name": "The Hopper Family"})
        db.session.flush()
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper", "household_id": home.id})
        vincent = records.create("person", {"first_name": "Vincent", "last_name": "Hopper",
                                            "household_id": home.id})
        lapsed = records.create("person", {"first_name": "Lapsed", "last_name": "Larsen"})
        db.session.flush()
        for amount, on in (("100", date(2024, 5, 1)), ("250", date(2025, 12, 31)), ("50", date(2026, 1, 1)),
                           ("1000", date(2026, 2, 10))):
            gifts.record_gift(contact_id=grace.id, amount=Decimal(amount), received_on=on)
        gifts.record_gift(contact_id=vincent.id, amount=Decimal("300"), received_on=date(2025, 6, 1),
                          soft_credits=[(grace.id, Decimal("300"), "spouse")])
        gifts.record_gift(contact_id=lapsed.id, amount=Decimal("75"), received_on=date(2025, 3, 1))
        db.session.add(RecurringGift(contact_id=grace.id, amount=Decimal("20"), currency="USD",
                                     frequency="monthly", starts_on=date(2025, 11, 1)))
        major = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts"))
        db.session.add(Opportunity(pipeline_id=major.id, stage_id=major.stages[0].id, contact_id=grace.id,
                                   name="Hopper scholarship fund", amount=Decimal("25000"), currency="USD",
                                   expected_close=date(2026, 6, 30)))
        db.session.commit()
        return {"grace": grace.id}


def test_the_contact_page_shows_giving_and_the_dashboard_its_chart(app, donor, any_page, shot):
    page = any_page
    js = "js" if page.steward_js else "nojs"
    sign_in(page)
    page.goto(f"/contacts/{donor['grace']}")
    settle(page)
    giving = page.locator("#panel-giving")
    expect(giving.get_by_role("heading", name="Giving", exact=True)).to_be_visible()
    if not page.steward_js:  # the panels load after the page with JavaScript; without, they are links
        expect(giving.get_by_text("Loading…")).to_be_hidden()  # no endless "Loading…" without JavaScript
        giving.get_by_role("link", name="Show giving of Grace Hopper").click()
        settle(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper: giving")
    expect(giving).to_contain_text("Retained donor")
    expect(giving).to_contain_text("Lifetime giving")
    expect(giving).to_contain_text("$1,400.00 (4 gifts)")
    expect(giving).to_contain_text("Soft credits")
    expect(giving.get_by_role("heading", name="Household: The Hopper Family")).to_be_visible()
    expect(giving).to_contain_text("$20.00 monthly since 1 Nov 2025")
    expect(giving.get_by_role("link", name="Show giving of Grace Hopper")).to_have_count(0)
    if not page.steward_js:
        page.go_back()
        settle(page)
        page.get_by_role("link", name="Show opportunities of Grace Hopper").click()
        settle(page)
    expect(page.locator("#panel-opportunities")).to_contain_text("Hopper scholarship fund")
    if not page.steward_js:
        page.go_back()
        settle(page)
    if page.steward_js:
        timeline = page.locator("#timeline")
        expect(timeline).to_contain_text("Gift of $1,000.00")
        expect(timeline).to_contain_text("Soft credit of $300.00")
    else:
        page.get_by_role("link", name="Open the timeline").click()
        settle(page)
        expect(page.locator("main")).to_contain_text("Gift of $1,000.00")
        page.go_back()
        settle(page)
    if page.steward_js:  # axe runs as a script
        problems = blocking(run_axe(page))
        assert not problems, describe_violations("contact page with giving", problems)
    shot(page, f"pipeline-insight-contact-{js}")

    page.goto("/")
    settle(page)
    chart = page.get_by_role("img", name="Giving by month, this year against last year")
    expect(chart).to_be_visible()
    widget = page.locator("section.widget", has=chart)
    expect(widget).to_contain_text("This year (2026) so far: $1,050.00")
    page.get_by_text("The numbers").click()
    row = widget.get_by_role("row", name="Feb 2026")
    expect(row).to_be_visible()
    expect(row).to_contain_text("$1,000.00")
    expect(page.locator("section.widget", has_text="Open pipeline by stage")).to_contain_text("$25,000")
    if page.steward_js:
        problems = blocking(run_axe(page))
        assert not problems, describe_violations("dashboard with giving widgets", problems)
    shot(page, f"pipeline-insight-dashboard-{js}")


def test_a_lybunt_segment_in_the_contacts_list(app, donor, page):
    sign_in(page)
    page.goto("/contacts/?f=lybunt:yes:")
    settle(page)
    expect(page.get_by_role("link", name="Lapsed Larsen")).to_be_visible()
    expect(page.get_by_role("link", name="Vincent Hopper")).to_be_visible()  # gave in 2025 only
    expect(page.get_by_role("link", name="Grace Hopper")).to_have_count(0)
