"""Builder queries against a hand-built giving dataset (tests/modules/reports/data.py):
date buckets including a July fiscal year, two groupings, filters on the
source's fields and the contacts filter builder's criteria, sorting, row
limits, the contacts and plugin sources, and drill-down to the contacts list."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from modules.contacts.models import CustomField, CustomValue
from modules.reports import query
from modules.reports.spec import parse
from tests.modules.reports import data

D = Decimal


@pytest.fixture
def ids(app):
    with app.app_context():
        return data.build()


def run(app, **args):
    """The result rows of the builder for these query-string arguments, as the admin sees them."""
    from flask_login import login_user

    from app.models import User
    from app.reporting.sources import visible_sources
    from modules.reports.evaluate import contact_specs

    with app.test_request_context():
        user = db.session.scalar(db.select(User).limit(1))
        login_user(user)
        multi = MultiDict([(k, v) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])])
        source = visible_sources()[multi["source"]]
        specs = contact_specs()
        spec, _ = parse(multi, source, specs)
        assert not spec.problems, spec.problems
        result, raw = query.run(spec, specs)
        return result, raw, spec


def table(result) -> dict:
    return {row[0]: tuple(row[1:]) for row in result.rows}


def test_gifts_by_fiscal_year_starting_in_july(app, admin, ids):
    result, raw, _ = run(app, source="gifts", g="received:fiscal", m=["count", "sum:amount", "distinct:donor_id"])
    assert [c.label for c in result.columns] == ["Received on (fiscal year)", "Count", "Sum of amount",
                                                 "Distinct count of donor id"]
    assert table(result) == {label: (n, total, donors) for label, (n, total, donors) in data.BY_FISCAL_YEAR.items()}
    assert raw == [(date(2023, 7, 1),), (date(2024, 7, 1),), (date(2025, 7, 1),)]


def test_calendar_years_months_quarters_weeks_and_days(app, admin, ids):
    result, _, _ = run(app, source="gifts", g="received:year", m=["count", "sum:amount"])
    assert table(result) == data.BY_YEAR
    quarters = table(run(app, source="gifts", g="received:quarter")[0])
    assert quarters == {"Q3 2023": (1,), "Q2 2024": (1,), "Q3 2024": (1,), "Q4 2024": (1,), "Q1 2025": (1,),
                        "Q3 2025": (1,)}
    funds = table(run(app, source="gifts", g="fund", m=["avg:amount", "min:amount", "max:amount"])[0])
    assert funds == {"Building": (D("112.50"), D("25.00"), D("200.00")),  # money is stored in hundredths
                     "General": (D("41.25"), D("5.00"), D("100.00"))}
    months = table(run(app, source="gifts", g="received:month", m="sum:amount")[0])
    assert months["Dec 2024"] == (D("200.00"),) and months["Jun 2024"] == (D("100.00"),)
    _, raw, _ = run(app, source="gifts", g="received:week", w="received:on:2024-12-31")
    assert raw == [(date(2024, 12, 30),)]  # a Tuesday: its week starts on Monday 30 December
    days = table(run(app, source="gifts", g="received:day", w="received:between:2024-06-30..2024-07-01")[0])
    assert days == {"30 Jun 2024": (1,), "1 Jul 2024": (1,)}


def test_fiscal_year_follows_the_organisation_setting(app, admin, ids):
    from app import settings

    with app.app_context():
        settings.put("pipeline", {"fiscal_year_start_month": 1})
        db.session.commit()
    result, _, _ = run(app, source="gifts", g="received:fiscal", m="sum:amount")
    assert table(result) == {"2023": (D("5.00"),), "2024": (D("350.00"),), "2025": (D("35.00"),)}


def test_two_groupings_fiscal_year_then_fund(app, admin, ids):
    result, _, _ = run(app, source="gifts", g=["received:fiscal", "fund"], m="sum:amount")
    rows = {(r[0], r[1]): r[2] for r in result.rows}
    assert rows == {("FY 2023–24", "General"): D("105.00"), ("FY 2024–25", "Building"): D("225.00"),
                    ("FY 2024–25", "General"): D("50.00"), ("FY 2025–26", "General"): D("10.00")}


def test_filters_on_the_sources_own_fields(app, admin, ids):
    assert table(run(app, source="gifts", g="fund", w="amount:gt:40")[0]) == {"Building": (1,), "General": (2,)}
    assert table(run(app, source="gifts", g="fund", w="amount:between:10..50")[0]) == {
        "Building": (1,), "General": (2,)}
    assert table(run(app, source="gifts", g="fund", w="fund:is:Building", m="sum:amount")[0]) == {
        "Building": (D("225.00"),)}
    assert table(run(app, source="gifts", g="fund", w="received:after:2025-01-01")[0]) == {
        "Building": (1,), "General": (1,)}
    # A value is bound, never SQL: a quote and a LIKE wildcard are just characters.
    result, _, _ = run(app, source="gifts", col=["donor", "amount"], w="donor:contains:%'; DROP TABLE x; --")
    assert result.rows == []
    assert len(run(app, source="gifts", col="amount")[0].rows) == 6


def test_contact_filter_builder_criteria_apply_through_the_donor(app, admin, ids):
    board = run(app, source="gifts", g="received:fiscal", m="sum:amount", f=f"tag:is:{ids['tag']}")[0]
    assert table(board) == {"FY 2023–24": (D("100.00"),), "FY 2024–25": (D("75.00"),)}  # Ann's gifts only
    # A giving criterion from the pipeline module (gave in a date range) works here too.
    recent = run(app, source="gifts", g="fund", f="gave:between:2025-07-01..2025-12-31")
    assert table(recent[0]) == {"Building": (1,), "General": (1,)}  # Ben's two gifts


def test_lybunt_from_the_giving_criteria(app, admin, ids, monkeypatch):
    """"Gave last fiscal year but not this one", as segments say it, on a gift report."""
    from modules.pipeline import giving_filters

    monkeypatch.setattr(giving_filters, "_local_today", lambda: date(2026, 3, 15))  # in FY 2025–26
    # Last year (FY 2024–25) gave Ann and Ben; this year Ben gave again: Ann is LYBUNT.
    lybunt = run(app, source="gifts", g="received:fiscal", m="sum:amount", f="lybunt:yes:")[0]
    assert table(lybunt) == {"FY 2023–24": (D("100.00"),), "FY 2024–25": (D("75.00"),)}


def test_sort_and_row_limit(app, admin, ids):
    result, _, spec = run(app, source="gifts", col=["donor", "amount"], sort="-amount", limit="2")
    assert [r[1] for r in result.rows] == [D("200.00"), D("100.00")]
    assert result.notes == ["Showing the first 2 rows."]
    by_total = run(app, source="gifts", g="fund", m="sum:amount", sort="-sum_amount")[0]
    assert [r[0] for r in by_total.rows] == ["Building", "General"]


def test_contacts_source_with_tags_and_custom_fields(app, admin, ids):
    with app.app_context():
        field = CustomField(key="member_since", label="Member since", type="number", kinds=["person"])
        db.session.add(field)
        db.session.flush()
        db.session.add_all([CustomValue(contact_id=ids["Ann"], field_id=field.id, value_number=D("2019")),
                            CustomValue(contact_id=ids["Ben"], field_id=field.id, value_number=D("2021"))])
        db.session.commit()
    by_tag = table(run(app, source="contacts", g="tag", m="distinct:contact_id")[0])
    assert by_tag == {None: (3,), "Board": (1,)}
    kinds = table(run(app, source="contacts", g="kind", m=["count", "max:cf_member_since"])[0])
    assert kinds == {"Person": (4, D("2021"))}
    members = table(run(app, source="contacts", g="cf_member_since", w="cf_member_since:gt:2020")[0])
    assert members == {D("2021"): (1,)}


def test_date_times_filter_and_bucket_by_the_day(app, admin, ids):
    from datetime import UTC, datetime

    from modules.contacts.models import Contact

    with app.app_context():
        db.session.get(Contact, ids["Cat"]).created_at = datetime(2025, 3, 31, 23, 30, tzinfo=UTC)
        db.session.get(Contact, ids["Dan"]).created_at = datetime(2025, 4, 1, 0, 30, tzinfo=UTC)
        db.session.commit()
    result = run(app, source="contacts", g="created:month", w="created:between:2025-01-01..2025-12-31")[0]
    assert table(result) == {"Mar 2025": (1,), "Apr 2025": (1,)}
    assert len(run(app, source="contacts", col="name", w="created:on:2025-04-01")[0].rows) == 1


def test_plugin_source_counts_greetings(app, admin):
    from steward_hello.models import Greeting

    with app.app_context():
        db.session.add_all(Greeting(text=t) for t in ("Hello", "Hello", "Bonjour"))
        db.session.commit()
    assert table(run(app, source="greetings", g="text")[0]) == {"Bonjour": (1,), "Hello": (2,)}


def _links(html: str) -> list[str]:
    return [unescape(u) for u in re.findall(r'<td class="num"><a href="([^"]+)"', html)]


def test_drill_down_opens_the_contacts_list_with_the_same_filter(app, admin_client, ids):
    page = admin_client.get("/reports/new?source=gifts&g=received:fiscal&m=sum:amount").get_data(as_text=True)
    links = _links(page)
    assert len(links) == 3
    assert links[1].startswith("/contacts/?f=report:has:")
    contacts = admin_client.get(links[1]).get_data(as_text=True)
    names = set(re.findall(r">(\w+) Donor<", contacts))
    assert names == {"Ann", "Ben"}  # FY 2024–25's donors, no one else
    assert "Save as segment" in contacts
    # With a contact rule, the drill keeps it: Board members' gifts in FY 2024–25 are Ann's.
    page = admin_client.get(f"/reports/new?source=gifts&g=received:fiscal&m=sum:amount&f=tag:is:{ids['tag']}")
    board = admin_client.get(_links(page.get_data(as_text=True))[1]).get_data(as_text=True)
    assert set(re.findall(r">(\w+) Donor<", board)) == {"Ann"}


def test_drill_down_without_contacts_lists_the_records(app, admin_client):
    from steward_hello.models import Greeting

    with app.app_context():
        db.session.add_all(Greeting(text=t) for t in ("Hello", "Hello", "Bonjour"))
        db.session.commit()
    page = admin_client.get("/reports/new?source=greetings&g=text").get_data(as_text=True)
    link = [u for u in _links(page) if "Hello" in u][0]
    assert link.startswith("/reports/new?source=greetings")
    rows = admin_client.get(link).get_data(as_text=True)
    assert rows.count("<td>Hello</td>") == 2 and "Bonjour" not in rows.split('id="report-result"')[1]
