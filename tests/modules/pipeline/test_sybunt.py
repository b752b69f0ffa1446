"""SYBUNT ("some year but unfortunately not this") per contact: the
criterion's edges (a gift on the first or last day of a fiscal year, a
deleted gift, a fiscal year starting in April), and the contacts list, its
count and a saved segment, which leave trashed contacts out."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import settings
from app.extensions import db
from modules.contacts.activity.timeline import local_today
from modules.contacts.lists import segments
from modules.contacts.models import Contact, Segment
from modules.contacts.people import records
from modules.pipeline import gifts, giving_filters
from modules.pipeline.insight import fiscal_year
from tests.conftest import post_form

D = Decimal
TODAY = date(2026, 5, 20)  # fiscal year 1 April 2026 - 31 March 2027 when it starts in April
ROW = re.compile(r'<a id="c\d+" href="/contacts/\d+">([^<]*)</a>')


def person(name: str, *history: date) -> int:
    contact = records.create("person", {"first_name": name, "last_name": "Donor"})
    db.session.flush()
    for on in history:
        gifts.record_gift(contact_id=contact.id, amount=D("25"), received_on=on)
    return contact.id


def sybunt(op: str = "yes", today: date = TODAY) -> set[str]:
    specs = {s.key: s for s in giving_filters.filters(lambda: today)}
    return set(db.session.scalars(select(Contact.first_name).where(specs["sybunt"].apply(op, ""))))


@pytest.fixture
def april(app, ctx):
    settings.put("pipeline", {"fiscal_year_start_month": 4})
    db.session.commit()


def test_the_last_day_of_last_fiscal_year_counts_and_the_first_of_this_one_does_not(april):
    person("LastDayLastYear", date(2026, 3, 31))
    person("FirstDayThisYear", date(2026, 4, 1))
    person("EarlierThenFirstDay", date(2024, 4, 1), date(2026, 4, 1))
    person("FirstDayTwoYearsAgo", date(2024, 4, 1))
    person("LastDayThisYear", date(2027, 3, 31))
    person("OnlyNextYear", date(2027, 4, 1))
    person("NextYearAndEarlier", date(2020, 6, 1), date(2027, 4, 1))
    person("Never")
    db.session.commit()
    assert sybunt() == {"LastDayLastYear", "FirstDayTwoYearsAgo", "NextYearAndEarlier"}
    assert sybunt("no") == {"FirstDayThisYear", "EarlierThenFirstDay", "LastDayThisYear", "OnlyNextYear", "Never"}
    # On the first day of the next fiscal year, this year's donors become SYBUNT.
    assert sybunt(today=date(2027, 4, 1)) == {"LastDayLastYear", "FirstDayThisYear", "EarlierThenFirstDay",
                                              "FirstDayTwoYearsAgo", "LastDayThisYear"}


def test_a_calendar_year_keeps_its_own_edges(app, ctx):
    person("Dec31", date(2025, 12, 31))
    person("Jan1", date(2026, 1, 1))
    person("Mar31", date(2026, 3, 31))  # in April's last fiscal year, this calendar year
    db.session.commit()
    assert sybunt() == {"Dec31"}


def test_a_deleted_gift_stops_counting(april):
    cid = person("Lapsed", date(2025, 6, 1))
    person("StillLapsed", date(2025, 6, 1), date(2023, 1, 1))
    back = person("CameBack", date(2025, 6, 1))
    this_year = gifts.record_gift(contact_id=back, amount=D("5"), received_on=date(2026, 4, 2))
    db.session.commit()
    assert sybunt() == {"Lapsed", "StillLapsed"}
    gifts.delete_gift(db.session.scalar(select(gifts.Gift).where(gifts.Gift.contact_id == cid)))
    gifts.delete_gift(this_year)
    db.session.commit()
    assert sybunt() == {"StillLapsed", "CameBack"}


def test_lapsed_donor_status_is_the_sybunt_set(april):
    person("Lapsed", date(2025, 6, 1))
    person("Retained", date(2025, 6, 1), date(2026, 4, 1))
    db.session.commit()
    specs = {s.key: s for s in giving_filters.filters(lambda: TODAY)}
    lapsed = set(db.session.scalars(select(Contact.first_name).where(specs["donor_status"].apply("is", "lapsed"))))
    assert lapsed == sybunt() == {"Lapsed"}
    not_lapsed = set(db.session.scalars(select(Contact.first_name)
                                        .where(specs["donor_status"].apply("is_not", "lapsed"))))
    assert not_lapsed == {"Retained"}


def _names(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return {html.unescape(n) for n in ROW.findall(response.get_data(as_text=True))}


def test_the_list_its_count_and_a_segment_leave_trashed_donors_out(app, admin_client):
    with app.app_context():
        year = fiscal_year(local_today())
        before = year.start - timedelta(days=1)
        person("Lapsed", before)
        person("LongLapsed", year.start - timedelta(days=800))
        person("ThisYear", before, year.start)
        trashed = person("Trashed", before)
        db.session.commit()
        records.trash([db.session.get(Contact, trashed)])
        db.session.commit()
    assert _names(admin_client.get("/contacts/?f=sybunt:yes:")) == {"Lapsed Donor", "LongLapsed Donor"}
    count = admin_client.get("/contacts/count?f=sybunt:yes:", headers={"HX-Request": "true"})
    assert re.search(r"\b2 contacts\b", count.get_data(as_text=True)), count.get_data(as_text=True)
    assert "ThisYear Donor" in _names(admin_client.get("/contacts/?f=sybunt:no:"))
    saved = post_form(admin_client, "/contacts/segments/new",
                      {"name": "Lapsed donors", "description": "", "q": "", "f": "sybunt:yes:", "match": "all"},
                      page="/contacts/segments/new?f=sybunt:yes:")
    assert saved.status_code == 303, saved.get_data(as_text=True)[:1000]
    with app.app_context():
        segment = db.session.scalar(select(Segment))
        ids = set(db.session.scalars(segments.contact_ids_select(segment)))
        names = set(db.session.scalars(select(Contact.first_name).where(Contact.id.in_(ids))))
    assert names == {"Lapsed", "LongLapsed"}
