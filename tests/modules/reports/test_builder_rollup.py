"""The builder reads a source's rollup (app/reporting/sources.py `Rollup`)
only when the result is the one the rows give: gifts grouped and filtered by
received date, fund, appeal and currency, counted and summed, come from
pipeline_gift_fund_day, with the same rows and drill-down links as the same
report forced through the gifts; every other report reads the gifts.

The data: the builder's hand-built gifts (a July fiscal year), plus a gift
with no fund in an appeal, one in another currency, and a donor in the
trash whose gifts (one alone in its own fund) the rollup still totals and
the gifts source leaves out."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from flask_login import login_user
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import User
from app.reporting.sources import visible_sources
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Appeal, Fund
from modules.reports import drill, query
from modules.reports.evaluate import contact_specs
from modules.reports.spec import parse
from tests.conftest import counted_queries
from tests.modules.reports import data

D = Decimal
ROLLUP = "pipeline_gift_fund_day"


@pytest.fixture
def ids(app):
    with app.app_context():
        ids = data.build(fiscal_start=7)
        spring = Appeal(name="Spring")
        legacy = Fund(name="Legacy")
        db.session.add_all([spring, legacy])
        db.session.flush()
        general = db.session.query(Fund).filter_by(name="General").one().id
        gifts.record_gift(contact_id=ids["Dan"], amount=D("40"), received_on=date(2024, 9, 2), currency="GBP",
                          appeal_id=spring.id)  # no fund
        gifts.record_gift(contact_id=ids["Cat"], amount=D("70"), received_on=date(2024, 9, 3), currency="EUR",
                          fund_id=general, appeal_id=spring.id)
        gone = records.create("person", {"first_name": "Gus", "last_name": "Gone"})
        db.session.flush()
        gifts.record_gift(contact_id=gone.id, amount=D("1000"), received_on=date(2024, 9, 2), currency="GBP",
                          fund_id=general, appeal_id=spring.id)  # shares Dan's and Cat's days and appeal
        gifts.record_gift(contact_id=gone.id, amount=D("7"), received_on=date(2025, 2, 1), currency="GBP",
                          fund_id=legacy.id)  # the only gift to Legacy
        records.trash([gone])
        db.session.commit()
        return {**ids, "spring": spring.id, "gone": gone.id}


def build(app, rollups: bool = True, **args):
    """The builder's result rows, raw group values, drill-down links and the
    SQL it ran, for these query-string arguments, as the admin sees them."""
    multi = MultiDict([(k, v) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])])
    with app.test_request_context():
        login_user(db.session.scalar(db.select(User).limit(1)))
        specs = contact_specs()
        spec, _ = parse(multi, visible_sources()[multi["source"]], specs)
        assert not spec.problems, spec.problems
        with counted_queries(app) as statements:
            result, raw = query.run(spec, specs, rollups=rollups)
        return result.rows, raw, drill.urls(spec, raw), " ".join(statements)


ANSWERED = [
    {"g": "received:fiscal", "m": ["count", "sum:amount"]},
    {"g": ["fund", "received:month"], "m": "sum:amount"},
    {"g": ["appeal", "received:quarter"], "m": ["count", "sum:amount"]},
    {"g": ["received:week", "currency"]},
    {"g": "received:day", "w": "received:between:2024-06-30..2024-09-02"},
    {"g": ["received:year", "fund"], "m": ["sum:amount", "count"], "w": ["fund:is_not:Building", "currency:is:GBP"]},
    {"g": "fund", "w": ["appeal:set:"], "m": "sum:amount"},
    {"g": "appeal", "w": ["fund:not_set:", "received:after:2024-01-01"]},
    {"g": "received:fiscal", "m": ["sum:amount", "count"], "sort": "-sum_amount", "limit": "2"},
    {"m": ["count", "sum:amount"]},
    {"m": ["count", "sum:amount"], "w": "received:before:2020-01-01"},  # nothing: 0 and empty, as the rows say
]


@pytest.mark.parametrize("args", ANSWERED)
def test_the_rollup_answers_as_the_gifts_do(app, admin, ids, args):
    rows, raw, links, sql = build(app, source="gifts", **args)
    assert ROLLUP in sql
    scanned_rows, scanned_raw, scanned_links, scanned_sql = build(app, rollups=False, source="gifts", **args)
    assert ROLLUP not in scanned_sql
    assert (rows, raw, links) == (scanned_rows, scanned_raw, scanned_links)


def test_trashed_donors_gifts_are_taken_out_of_the_totals(app, admin, ids):
    rows, _, _, sql = build(app, source="gifts", g="fund", m=["count", "sum:amount"])
    assert ROLLUP in sql
    # Gus's 1,000 to General and his lone 7 to Legacy are in the rollup, not in the report.
    assert rows == [("Building", 2, D("225.00")), ("General", 5, D("235.00")), (None, 1, D("40.00"))]
    fiscal, raw, _, _ = build(app, source="gifts", g="received:fiscal", m=["count", "sum:amount"])
    assert fiscal == [("FY 2023–24", 2, D("105.00")), ("FY 2024–25", 5, D("385.00")), ("FY 2025–26", 1, D("10.00"))]
    assert raw == [(date(2023, 7, 1),), (date(2024, 7, 1),), (date(2025, 7, 1),)]


def test_drill_down_links_lead_to_the_same_records(app, admin_client, ids):
    """The page (from the rollup) links General's FY 2024–25 to its live donors, not to Gus in the trash."""
    with counted_queries(app) as statements:
        page = admin_client.get("/reports/new?source=gifts&g=fund&g=received:fiscal&m=sum:amount")
    assert ROLLUP in " ".join(statements)
    links = [unescape(u) for u in re.findall(r'href="(/contacts/\?f=report[^"]+)"', page.get_data(as_text=True))]
    general = [u for u in links if "fund:is:General" in u and "2024-07-01..2025-06-30" in u]
    assert len(general) == 1
    names = set(re.findall(r">(\w+) (?:Donor|Gone)<", admin_client.get(general[0]).get_data(as_text=True)))
    assert names == {"Ann", "Cat"}  # Ann's 50 and Cat's 70 in euros; Gus's 1,000 is his, in the trash


FALLBACK = [
    ({"source": "gifts", "g": "fund", "m": "avg:amount"}, "an average"),
    ({"source": "gifts", "g": "fund", "m": ["sum:amount", "min:amount"]}, "a minimum"),
    ({"source": "gifts", "g": "fund", "m": "max:amount"}, "a maximum"),
    ({"source": "gifts", "g": "fund", "m": "distinct:donor_id"}, "a distinct count"),
    ({"source": "gifts", "g": "payment_method"}, "a grouping the rollup does not hold"),
    ({"source": "gifts", "g": "donor_id"}, "a grouping by donor"),
    ({"source": "gifts", "g": "fund", "w": "amount:gt:30"}, "a filter on the amount"),
    ({"source": "gifts", "g": "fund", "w": "in_kind:no:"}, "a filter on another field"),
    ({"source": "gifts", "col": ["donor", "amount"]}, "a list of gifts"),
    ({"source": "soft_credits", "g": "fund"}, "another source"),
]


@pytest.mark.parametrize(("args", "why"), FALLBACK, ids=[why for _, why in FALLBACK])
def test_reports_the_rollup_cannot_answer_read_the_gifts(app, admin, ids, args, why):
    _, _, _, sql = build(app, **args)
    assert ROLLUP not in sql, why
    assert "pipeline_gift" in sql


def test_a_contact_filter_reads_the_gifts(app, admin, ids):
    rows, _, _, sql = build(app, source="gifts", g="fund", m="sum:amount", f=f"tag:is:{ids['tag']}")
    assert ROLLUP not in sql
    assert rows == [("Building", D("25.00")), ("General", D("150.00"))]  # Ann, the only one on the Board


def test_a_day_column_answers_a_date_field_never_a_date_time():
    """A date-time filters from the organisation's midnight: a rollup's day column cannot agree with it."""
    from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Table

    from app.reporting.sources import Field, Rollup, Source
    from modules.reports import from_rollup
    from modules.reports.spec import Group, Spec

    meta = MetaData()
    rows = Table("visits", meta, Column("id", Integer), Column("on", Date), Column("at", DateTime))
    days = Table("visit_days", meta, Column("day", Date), Column("visits", Integer))
    on = Field("on", "On", "date", rows.c.on, groupable=True)
    at = Field("at", "At", "date", rows.c.at, groupable=True)
    rollup = Rollup(name="visit_days", table=days, fields={"on": days.c.day, "at": days.c.day}, count=days.c.visits)
    source = Source(name="visits", label="Visits", permission="x", table=rows, key=rows.c.id, fields=[on, at],
                    rollups=[rollup])
    assert from_rollup.chosen(Spec(source, groups=[Group(on, "month")])) is rollup
    assert from_rollup.chosen(Spec(source, groups=[Group(at, "month")])) is None
