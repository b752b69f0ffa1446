"""Giving criteria in the contacts filter builder, on a hand-checked dataset
spanning year boundaries, with "today" pinned to 15 March 2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app import settings
from app.extensions import db
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline import gifts, giving_filters
from modules.pipeline.models import Appeal, Fund, RecurringGift
from tests.conftest import login, make_user

D = Decimal
TODAY = date(2026, 3, 15)

# name: [(received_on, amount)]
HISTORY = {
    "Dec31": [(date(2025, 12, 31), "100")],  # last year only, on its last day
    "Jan1": [(date(2026, 1, 1), "40")],  # first gift this year, on its first day
    "Both": [(date(2025, 12, 31), "10"), (date(2026, 1, 1), "10")],  # either side of New Year
    "TwoYearsAgo": [(date(2024, 6, 1), "500")],  # gave two years ago only
    "Back": [(date(2024, 12, 31), "60"), (date(2026, 1, 1), "60")],  # skipped last year, came back
    "NewYearsDay25": [(date(2025, 1, 1), "250")],  # last year, on its first day
    "Loyal": [(date(2023, 5, 5), "30"), (date(2025, 5, 5), "30")],  # earlier and last year, not this
    "Future": [(date(2027, 1, 1), "5")],  # dated next year: nothing yet
    "LateThisYear": [(date(2026, 12, 31), "5")],  # later this year
    "Never": [],
}


@pytest.fixture
def people(app):
    with app.app_context():
        return _people()


def _people() -> dict[str, int]:
    ids = {}
    for name, history in HISTORY.items():
        person = records.create("person", {"first_name": name, "last_name": "Donor"})
        db.session.flush()
        ids[name] = person.id
        for on, amount in history:
            gifts.record_gift(contact_id=person.id, amount=D(amount), received_on=on)
    # A soft credit never makes a donor.
    gifts.record_gift(contact_id=ids["Jan1"], amount=D("999"), received_on=date(2025, 3, 1),
                      soft_credits=[(ids["Never"], D("999"), "spouse")])
    db.session.commit()
    return ids


def matching(condition) -> set[str]:
    rows = db.session.scalars(select(Contact.first_name).where(condition))
    return set(rows)


def apply(key: str, op: str, value: str = "", today: date = TODAY):
    specs = {s.key: s for s in giving_filters.filters(lambda: today)}
    return specs[key].apply(op, value)


def test_lybunt_and_sybunt_on_a_calendar_year(people, ctx):
    # Jan1 also paid a 999 gift on 1 March 2025 (for the soft credit above): it is last year's.
    assert matching(apply("lybunt", "yes")) == {"Dec31", "NewYearsDay25", "Loyal"}
    assert matching(apply("sybunt", "yes")) == {"Dec31", "NewYearsDay25", "Loyal", "TwoYearsAgo"}
    not_lybunt = matching(apply("lybunt", "no"))
    assert "Never" in not_lybunt and "Jan1" in not_lybunt and "Dec31" not in not_lybunt


def test_donor_status_sets_match_the_panel_definitions(people, ctx):
    assert matching(apply("donor_status", "is", "new")) == {"LateThisYear"}
    assert matching(apply("donor_status", "is", "retained")) == {"Both", "Jan1"}
    assert matching(apply("donor_status", "is", "recaptured")) == {"Back"}
    assert matching(apply("donor_status", "is", "lapsed")) == {"Dec31", "NewYearsDay25", "Loyal", "TwoYearsAgo"}
    with pytest.raises(ValueError, match="Choose a donor status"):
        apply("donor_status", "is", "generous")


def test_on_new_years_day_last_year_moves_along(people, ctx):
    # Pinned to 1 January 2027: 2026 is now last year.
    on = date(2027, 1, 1)
    assert matching(apply("lybunt", "yes", today=on)) == {"Jan1", "Both", "Back", "LateThisYear"}
    assert matching(apply("donor_status", "is", "new", today=on)) == {"Future"}
    assert matching(apply("donor_status", "is", "retained", today=on)) == set()


def test_a_july_fiscal_year(people, ctx):
    settings.put("pipeline", {"fiscal_year_start_month": 7})
    db.session.commit()
    # This year: 1 Jul 2025 - 30 Jun 2026; last year: 1 Jul 2024 - 30 Jun 2025.
    assert matching(apply("lybunt", "yes")) == {"NewYearsDay25", "Loyal"}
    assert matching(apply("sybunt", "yes")) == {"NewYearsDay25", "Loyal", "TwoYearsAgo"}
    assert matching(apply("donor_status", "is", "new")) == {"Dec31", "Both"}  # LateThisYear: next FY
    assert matching(apply("donor_status", "is", "retained")) == {"Back", "Jan1"}


def test_gave_in_a_date_range_is_inclusive(people, ctx):
    assert matching(apply("gave", "between", "2025-12-31..2025-12-31")) == {"Dec31", "Both"}
    assert matching(apply("gave", "between", "2026-12-31..")) == {"LateThisYear", "Future"}
    assert matching(apply("gave", "between", "..2024-06-01")) == {"TwoYearsAgo", "Loyal"}
    outside = matching(apply("gave", "not_between", "2025-01-01..2025-12-31"))
    assert outside == {"TwoYearsAgo", "Back", "Future", "LateThisYear", "Never"}
    with pytest.raises(ValueError, match="comes after"):
        apply("gave", "between", "2026-01-02..2026-01-01")


def test_total_given_in_a_range_optionally_within_dates(people, ctx):
    assert matching(apply("total", "between", "100..250")) == {"Dec31", "Back", "NewYearsDay25"}
    assert matching(apply("total", "between", "500..")) == {"TwoYearsAgo", "Jan1"}  # 40 + 999
    assert matching(apply("total", "between", "..10")) == {"Future", "LateThisYear"}
    assert matching(apply("total", "this_year", "50..")) == {"Back"}
    assert matching(apply("total", "last_year", "100..300")) == {"Dec31", "NewYearsDay25"}
    assert matching(apply("total", "between", "30..60@2025-01-01..2025-12-31")) == {"Loyal"}
    assert matching(apply("total", "between", "20")) == {"Both"}  # one number: exactly
    for bad, message in (("ten..", "not an amount"), ("50..10", "more than the second"), ("..", "Enter an amount")):
        with pytest.raises(ValueError, match=message):
            apply("total", "between", bad)


def test_fund_appeal_open_pledge_and_recurring(people, ctx):
    building = Fund(name="Building fund")
    spring = Appeal(name="Spring letter")
    db.session.add_all([building, spring])
    db.session.flush()
    gifts.record_gift(contact_id=people["Never"], amount=D("5"), received_on=date(2020, 1, 1), fund_id=building.id)
    gifts.record_gift(contact_id=people["Loyal"], amount=D("5"), received_on=date(2020, 1, 1), appeal_id=spring.id)
    gifts.record_pledge(contact_id=people["Dec31"], amount=D("100"), pledged_on=date(2026, 1, 1),
                        schedule=[(date(2026, 6, 1), D("100"))])
    fulfilled = gifts.record_pledge(contact_id=people["Jan1"], amount=D("1"), pledged_on=date(2026, 1, 1),
                                    schedule=[(date(2026, 1, 1), D("1"))])
    fulfilled.status = "fulfilled"
    db.session.add_all([
        RecurringGift(contact_id=people["Both"], amount=D("10"), currency="USD", frequency="monthly",
                      starts_on=date(2025, 12, 1)),
        RecurringGift(contact_id=people["Back"], amount=D("10"), currency="USD", frequency="monthly",
                      starts_on=date(2024, 1, 1), status="ended")])
    db.session.commit()
    assert matching(apply("fund", "is", str(building.id))) == {"Never"}
    assert "Never" not in matching(apply("fund", "is_not", str(building.id)))
    assert matching(apply("appeal", "is", str(spring.id))) == {"Loyal"}
    assert matching(apply("open_pledge", "yes")) == {"Dec31"}
    assert matching(apply("recurring", "yes")) == {"Both"}
    assert "Both" not in matching(apply("recurring", "no"))
    choices = {s.key: s for s in giving_filters.filters()}["fund"].choices()
    assert (str(building.id), "Building fund") in choices


def test_the_criteria_use_the_gift_date_index(people, ctx):
    if db.engine.dialect.name != "sqlite":
        return  # the plan check is SQLite's; PostgreSQL plans depend on its statistics
    # LYBUNT and SYBUNT probe each contact's gifts (so a page of the list stops early); the others read a date range.
    for key, op, value, index in (("lybunt", "yes", "", "ix_pipeline_gift_contact_date"),
                                  ("sybunt", "yes", "", "ix_pipeline_gift_contact_date"),
                                  ("gave", "between", "2025-01-01..", "ix_pipeline_gift_date_contact")):
        query = select(Contact.id).where(apply(key, op, value))
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert index in plan, plan
        assert "SCAN pipeline_gift" not in plan.replace("USING COVERING INDEX", ""), plan


def test_the_contact_list_filters_by_lybunt_for_those_who_may_see_giving(app, people, monkeypatch):
    monkeypatch.setattr(giving_filters, "_local_today", lambda: TODAY)
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    staff, volunteer = app.test_client(), app.test_client()
    login(staff, "staff@example.org")
    login(volunteer, "vol@example.org")
    html = staff.get("/contacts/?f=lybunt:yes:").get_data(as_text=True)
    for name in ("Dec31", "NewYearsDay25", "Loyal"):
        assert f"{name} Donor" in html
    assert "Jan1 Donor" not in html and "TwoYearsAgo Donor" not in html
    assert "LYBUNT (gave last year, not this year)" in html
    html = volunteer.get("/contacts/?f=lybunt:yes:").get_data(as_text=True)
    assert "Jan1 Donor" in html and "LYBUNT (gave last year" not in html  # the rule is not theirs to use
