"""Pledges and recurring gifts over the API: the forms' rules, exact
installments, ETags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline.models import Pledge, PledgeInstallment, RecurringGift
from tests.api_client import api_for


@pytest.fixture
def donor(app):
    with app.app_context():
        person = records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.commit()
        return person.id


def test_a_pledge_is_laid_out_in_installments_that_add_up(app, admin, donor):
    api = api_for(app, admin.email)
    made = api.post("pledges", json={"contact_id": donor, "amount": "100.00", "pledged_on": "2026-01-15",
                                     "installment_count": 3, "frequency": "monthly", "first_due": "2026-02-01"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert [(i["due_on"], i["amount"]) for i in body["installments"]] == [
        ("2026-02-01", "33.33"), ("2026-03-01", "33.33"), ("2026-04-01", "33.34")]
    assert body["status"] == "open" and api.get(f"pledges/{body['id']}").get_json() == body
    too_many = api.post("pledges", json={"contact_id": donor, "amount": "100.00", "pledged_on": "2026-01-15",
                                         "installment_count": 121})
    assert too_many.status_code == 422
    # Correcting it lays the installments out again; a stale ETag changes nothing.
    etag = made.headers["ETag"]
    ok = api.patch(f"pledges/{body['id']}", json={"amount": "120.00"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.get_json()
    assert [i["amount"] for i in ok.get_json()["installments"]] == ["40.00", "40.00", "40.00"]
    assert api.patch(f"pledges/{body['id']}", json={"amount": "90.00"}, headers={"If-Match": etag}).status_code == 412
    with app.app_context():
        assert db.session.get(Pledge, body["id"]).amount == Decimal("120.00")
        assert db.session.scalar(db.select(db.func.sum(PledgeInstallment.amount))) == Decimal("120.00")
    assert [p["id"] for p in api.get(f"pledges?contact_id={donor}").get_json()["data"]] == [body["id"]]


def test_a_recurring_gift_is_checked_by_its_form(app, admin, donor):
    api = api_for(app, admin.email)
    backwards = api.post("recurring-gifts", json={"contact_id": donor, "amount": "10.00", "starts_on": "2026-05-01",
                                                  "ends_on": "2026-04-01"})
    assert backwards.status_code == 422 and backwards.get_json()["errors"][0]["field"] == "ends_on"
    made = api.post("recurring-gifts", json={"contact_id": donor, "amount": "10.00", "starts_on": "2026-05-01",
                                             "frequency": "quarterly", "reference": "DD-1"})
    assert made.status_code == 201, made.get_json()
    rid = made.get_json()["id"]
    changed = api.patch(f"recurring-gifts/{rid}", json={"amount": "12.50"}, headers={"If-Match": made.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["amount"] == "12.50"
    with app.app_context():
        rg = db.session.get(RecurringGift, rid)
        assert (rg.amount, rg.frequency, rg.reference, rg.starts_on) == (Decimal("12.50"), "quarterly", "DD-1",
                                                                         date(2026, 5, 1))
