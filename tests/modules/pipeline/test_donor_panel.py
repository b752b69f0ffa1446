"""The Giving and Opportunities panels on the contact page, donor status, and
the pipeline's timeline entries. Both panels are lazy: the page carries a
placeholder that links to the panel, and the panel's own URL serves it (as a
fragment with HTMX, as a page without)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app import settings
from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import contact_hooks, gifts, insight
from modules.pipeline.models import Opportunity, Pipeline, RecurringGift, StageChange
from tests.conftest import counted_queries, login, make_user

TODAY = date(2026, 3, 15)
D = Decimal


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" :", ":")


def section(html: str, name: str) -> str:
    match = re.search(rf'<section[^>]*id="panel-{name}".*?</section>', html, re.S)
    assert match, f"no {name} panel"
    return match.group(0)


def panel_html(client, contact_id: int, name: str) -> str:
    """The panel as the contact page's placeholder fetches it, after checking
    the page carries that placeholder."""
    url = f"/contacts/{contact_id}/panels/{name}"
    placeholder = section(client.get(f"/contacts/{contact_id}").get_data(as_text=True), name)
    assert f'hx-get="{url}"' in placeholder and f'href="{url}"' in placeholder
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return section(response.get_data(as_text=True), name)


def panel(client, contact_id: int, name: str) -> str:
    return text_of(panel_html(client, contact_id, name))


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(contact_hooks, "local_today", lambda: TODAY)
    return TODAY


def gift(contact_id, amount, on, **extra):
    return gifts.record_gift(contact_id=contact_id, amount=D(amount), received_on=on, **extra)


@pytest.fixture
def family(app):
    """Grace and Vincent Hopper in a household; Grace gave over three years."""
    with app.app_context():
        home = records.create("household", {"name": "The Hopper Family"})
        db.session.flush()
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper", "household_id": home.id})
        vincent = records.create("person", {"first_name": "Vincent", "last_name": "Hopper",
                                            "household_id": home.id})
        loner = records.create("person", {"first_name": "Lone", "last_name": "Nogifts"})
        db.session.flush()
        pledge = gifts.record_pledge(contact_id=grace.id, amount=D("3000"), pledged_on=date(2026, 1, 5),
                                     schedule=gifts.installment_schedule(D("3000"), 3, date(2026, 2, 1), "yearly"))
        gift(grace.id, "100", date(2024, 5, 1))
        gift(grace.id, "250", date(2025, 12, 31))
        gift(grace.id, "50", date(2026, 1, 1))
        gift(grace.id, "1000", date(2026, 2, 10), pledge_id=pledge.id)
        gift(grace.id, "20", date(2026, 2, 11), currency="EUR")
        gift(vincent.id, "300", date(2025, 6, 1), soft_credits=[(grace.id, D("300"), "spouse")])
        gift(home.id, "75", date(2026, 3, 1))
        db.session.add(RecurringGift(contact_id=grace.id, amount=D("20"), currency="USD", frequency="monthly",
                                     starts_on=date(2025, 11, 1)))
        major = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts"))
        first, won = major.stages[0], next(s for s in major.stages if s.outcome == "won")
        ask = Opportunity(pipeline_id=major.id, stage_id=first.id, contact_id=grace.id, name="Capital campaign ask",
                          amount=D("25000"), currency="USD", expected_close=date(2026, 6, 30))
        done = Opportunity(pipeline_id=major.id, stage_id=won.id, contact_id=grace.id, name="Old win",
                           amount=D("500"), currency="USD")
        db.session.add_all([ask, done])
        db.session.flush()
        db.session.add(StageChange(opportunity_id=ask.id, contact_id=grace.id, to_stage_id=first.id,
                                   at=datetime(2026, 2, 20, 10, 0, tzinfo=UTC)))
        db.session.commit()
        return {"home": home.id, "grace": grace.id, "vincent": vincent.id, "loner": loner.id,
                "pledge": pledge.id, "stage": first.name}


def test_the_giving_panel_sums_the_donor_household_and_soft_credits(app, admin_client, family, today):
    giving = panel(admin_client, family["grace"], "giving")
    assert "Retained donor" in giving and "Fiscal year 2026" in giving
    assert "Lifetime giving $1,400.00 (5 gifts)" in giving  # the EUR gift counts as a gift, not in the sum
    assert "This year $1,050.00" in giving and "Last year $250.00" in giving
    assert "First gift $100.00 on 1 May 2024" in giving
    assert "Last gift €20.00 on 11 Feb 2026" in giving
    assert "Largest gift $1,000.00 on 10 Feb 2026" in giving
    assert "1 gift in other currencies is not in these totals" in giving
    assert "Soft credits $300.00 (1 gift by others; not in the totals above)" in giving
    # Household: Grace 1,400 + Vincent 300 + the household's own 75.
    assert "Household: The Hopper Family" in giving
    assert "Lifetime giving $1,775.00 (the household and its 2 members)" in giving
    assert "This year $1,125.00" in giving and "Last year $550.00" in giving
    assert "$3,000.00 pledged 5 Jan 2026: $1,000.00 paid, $2,000.00 to go" in giving
    assert "$20.00 monthly since 1 Nov 2025" in giving
    opportunities = panel(admin_client, family["grace"], "opportunities")
    assert "Capital campaign ask" in opportunities and "Old win" not in opportunities
    assert f"Major gifts: {family['stage']}" in opportunities


def test_the_panels_link_to_recording_a_gift_new_opportunities_and_the_lists(app, admin_client, family, today):
    grace = family["grace"]
    html = (panel_html(admin_client, grace, "giving") + panel_html(admin_client, grace, "opportunities")) \
        .replace("&amp;", "&")
    for path in (f"/pipeline/gifts/new?contact={grace}", f"/pipeline/opportunities/new?contact={grace}",
                 f"/pipeline/opportunities/?contact={grace}", f"/pipeline/pledges/{family['pledge']}"):
        assert f'href="{path}"' in html, path


def test_staff_without_edit_rights_get_no_record_links(app, family, today):
    from app.models import Role, RolePermission

    with app.app_context():
        role = Role(name="Viewer", description="Looks only")
        role.grants = [RolePermission(permission=p) for p in ("core.dashboard", "contacts.view", "giving.view",
                                                              "pipeline.view")]
        db.session.add(role)
        db.session.commit()
        make_user(app, "look@example.org", role=role, name="Lou Looker")
    client = app.test_client()
    login(client, "look@example.org")
    html = panel_html(client, family["grace"], "giving") + panel_html(client, family["grace"], "opportunities")
    assert "Lifetime giving" in html and "Capital campaign ask" in html
    assert "Record a gift" not in html and "New opportunity" not in html


def test_a_contact_who_never_gave_has_no_status(app, admin_client, family, today):
    giving = panel(admin_client, family["loner"], "giving")
    assert "No gifts recorded." in giving and "donor" not in giving.lower().replace("no gifts", "")
    assert "No open opportunities." in panel(admin_client, family["loner"], "opportunities")


def test_without_javascript_the_panel_link_opens_the_panel_on_its_own_page(app, admin_client, family, today):
    url = f"/contacts/{family['grace']}/panels/giving"
    page = admin_client.get(url)
    assert page.status_code == 200 and page.headers["Vary"].count("HX-Request") == 1
    html = page.get_data(as_text=True)
    assert "<h1>Grace Hopper: giving</h1>" in html and f'href="/contacts/{family["grace"]}"' in html
    assert "hx-get" not in section(html, "giving")  # the panel itself, not another placeholder
    assert "Lifetime giving $1,400.00 (5 gifts)" in text_of(section(html, "giving"))
    assert "<html" not in admin_client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert admin_client.get(f"/contacts/{family['grace']}/panels/nothing").status_code == 404


def test_volunteers_see_neither_panel_nor_gifts_on_the_timeline(app, family, today):
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    volunteer = app.test_client()
    login(volunteer, "vol@example.org")
    page = volunteer.get(f"/contacts/{family['grace']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="panel-giving"' not in html and "$1,400.00" not in html
    assert volunteer.get(f"/contacts/{family['grace']}/panels/giving").status_code == 403
    timeline = volunteer.get(f"/contacts/{family['grace']}/timeline").get_data(as_text=True)
    assert "Gift of" not in timeline and "Soft credit" not in timeline


def test_the_panel_runs_the_same_few_queries_for_ten_or_a_hundred_gifts(app, admin, today):
    with app.app_context():
        few = records.create("person", {"first_name": "Few", "last_name": "Gifts"})
        many = records.create("person", {"first_name": "Many", "last_name": "Gifts"})
        db.session.flush()
        for i in range(10):
            gift(few.id, "10", date(2020 + i % 6, 1 + i % 12, 1))
        for i in range(100):
            gift(many.id, "10", date(2020 + i % 6, 1 + i % 12, 1 + i % 28))
        db.session.commit()
        ids = few.id, many.id
    client = app.test_client()
    login(client, admin.email)
    client.get(f"/contacts/{ids[0]}/panels/giving", headers={"HX-Request": "true"})  # warm up (settings)
    pages = []
    for cid in ids:  # the page itself reads no gifts at all
        with counted_queries(app) as statements:
            assert client.get(f"/contacts/{cid}").status_code == 200
        pages.append(len(statements))
        assert not [s for s in statements if "pipeline_" in s], statements
    assert pages[0] == pages[1], pages
    counts = []
    for cid in ids:
        with counted_queries(app) as statements:
            for name in ("giving", "opportunities"):
                assert client.get(f"/contacts/{cid}/panels/{name}", headers={"HX-Request": "true"}).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    with app.app_context(), app.test_request_context():
        contact = records.load(ids[1])
        with counted_queries(app) as statements:
            data = insight.summary(contact, TODAY)
        assert data.gift_count == 100 and data.lifetime == D("1000.00")
        # Six at most, plus the two settings reads (currency, fiscal year) a request caches.
        assert len(statements) <= 8, statements


@pytest.mark.parametrize("dates, status, lapsed", [
    ([], None, ""),
    ([date(2026, 1, 1)], insight.NEW, ""),
    ([date(2025, 12, 31), date(2026, 3, 15)], insight.RETAINED, ""),
    ([date(2024, 12, 31), date(2026, 2, 1)], insight.RECAPTURED, ""),
    ([date(2025, 1, 1)], insight.LAPSED, "last year"),
    ([date(2024, 6, 1)], insight.LAPSED, "earlier"),
    ([date(2026, 12, 31)], insight.NEW, ""),  # dated later this year: still this year
    ([date(2027, 1, 1)], None, ""),  # only next year: nothing yet
])
def test_donor_status_on_a_pinned_date(app, ctx, dates, status, lapsed):
    person = records.create("person", {"first_name": "Ann", "last_name": "Status"})
    db.session.flush()
    for on in dates:
        gift(person.id, "5", on)
    db.session.commit()
    data = insight.summary(person, TODAY, detail=False)
    assert (data.status, data.lapsed_since) == (status, lapsed)


def test_status_follows_the_fiscal_year_setting(app, ctx):
    settings.put("pipeline", {"fiscal_year_start_month": 7})
    db.session.commit()
    person = records.create("person", {"first_name": "Fy", "last_name": "July"})
    db.session.flush()
    gift(person.id, "5", date(2025, 6, 30))  # FY 2024-25
    gift(person.id, "5", date(2025, 7, 1))  # FY 2025-26, this year on 15 March 2026
    db.session.commit()
    data = insight.summary(person, TODAY, detail=False)
    assert data.year.label == "2025–26" and data.year.start == date(2025, 7, 1)
    assert (data.status, data.this_year, data.last_year) == (insight.RETAINED, D("5.00"), D("5.00"))
    assert insight.fiscal_year(date(2026, 7, 1)).start == date(2026, 7, 1)


def test_the_timeline_shows_gifts_soft_credits_pledges_and_stage_changes_newest_first(app, admin_client, family):
    html = admin_client.get(f"/contacts/{family['grace']}/timeline").get_data(as_text=True)
    page = text_of(html)
    for expected in ("Gift of $1,000.00", "Gift of €20.00", "Soft credit of $300.00",
                     "As spouse, for a gift from Vincent Hopper", "Pledged $3,000.00",
                     f"Capital campaign ask: opened in {family['stage']}"):
        assert expected in page
    order = [page.index(t) for t in ("Gift of €20.00", "Gift of $1,000.00", "Pledged $3,000.00",
                                     "Gift of $250.00", "Soft credit of $300.00", "Gift of $100.00")]
    assert order == sorted(order)


def test_the_timeline_provider_pages_by_before_and_limit(app, admin, family):
    from flask_login import login_user

    from app.models import User

    with app.test_request_context():
        login_user(db.session.get(User, admin.id))
        first = contact_hooks.timeline(family["grace"], None, 3)
        assert [e.title for e in first] == ["Capital campaign ask: opened in " + family["stage"],
                                            "Gift of €20.00", "Gift of $1,000.00"]
        rest = contact_hooks.timeline(family["grace"], first[-1].at, 10)
        assert [e.title for e in rest] == ["Pledged $3,000.00", "Gift of $50.00", "Gift of $250.00",
                                           "Soft credit of $300.00", "Gift of $100.00"]
        assert all(e.at < first[-1].at for e in rest)


def test_a_households_own_page_shows_its_members_giving(app, admin_client, family, today):
    giving = panel(admin_client, family["home"], "giving")
    assert "New donor" in giving and "Lifetime giving $75.00 (1 gift)" in giving
    assert "Household Lifetime giving $1,775.00 (the household and its 2 members)" in giving


def test_the_giving_panel_offers_the_donors_statements_to_receipt_staff(app, admin_client, family, today):
    giving = panel_html(admin_client, family["grace"], "giving")
    assert "Giving statements" in giving
    for year in (2026, 2025, 2024):
        assert f"/receipts/statements/{family['grace']}/{year}.pdf" in giving
    assert "Giving statements" not in panel(admin_client, family["loner"], "giving")


def test_giving_entries_on_the_timeline_have_their_own_icons(app, admin_client, family, today):
    timeline = admin_client.get(f"/contacts/{family['grace']}/timeline").get_data(as_text=True)
    icons = dict(re.findall(r'tl-kind-(\w+)">\s*<span class="tl-icon" aria-hidden="true">([^<]*)</span>', timeline))
    assert {"gift", "soft_credit", "pledge", "opportunity"} <= icons.keys()
    assert all(len(icons[kind].strip()) and icons[kind] not in ("G", "S", "P", "O")
               for kind in ("gift", "soft_credit", "pledge", "opportunity")), icons
    assert "Soft credit</span>" in timeline and "Pledge</span>" in timeline
