"""Gifts over the API: exact amounts in and out, idempotent create, ETag on
update, soft credits, external ids, and giving.view required."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Fund, Gift, GiftExternalId, SoftCredit
from tests.api_client import api_for
from tests.conftest import make_user


@pytest.fixture
def people(app):
    with app.app_context():
        donor = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        spouse = records.create("person", {"first_name": "Vincent", "last_name": "Hopper"})
        fund = Fund(name="Building fund")
        db.session.add(fund)
        db.session.commit()
        return {"donor": donor.id, "spouse": spouse.id, "fund": fund.id}


def _gifts(app, *where) -> list[Gift]:
    with app.app_context():
        rows = db.session.scalars(db.select(Gift).where(*where).order_by(Gift.id)).all()
        db.session.expunge_all()
        return rows


def test_a_gift_made_through_the_api_reads_back_exactly(app, admin, people):
    api = api_for(app, admin.email)
    made = api.post("gifts", json={"contact_id": people["donor"], "amount": "12.50", "currency": "eur",
                                   "received_on": "2026-03-01", "fund_id": people["fund"],
                                   "payment_method": "card", "reference": "web-1"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["amount"] == "12.50" and body["currency"] == "EUR" and body["fund_id"] == people["fund"]
    [stored] = _gifts(app)
    assert stored.amount == Decimal("12.50") and stored.received_on == date(2026, 3, 1)
    read = api.get(f"gifts/{body['id']}")
    assert read.get_json()["amount"] == "12.50" and read.headers["ETag"] == made.headers["ETag"]
    assert made.headers["Location"].endswith(f"/api/v1/gifts/{body['id']}")
    # A number is read exactly too; three decimals are refused in the form's words.
    assert api.post("gifts", json={"contact_id": people["donor"], "amount": 0.1,
                                   "received_on": "2026-03-02"}).get_json()["amount"] == "0.10"
    bad = api.post("gifts", json={"contact_id": people["donor"], "amount": "1.234", "received_on": "2026-03-02"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.get_json()["errors"]] == ["amount"]
    assert "two decimal places" in bad.get_json()["errors"][0]["detail"]
    assert len(_gifts(app)) == 2
    # Filters: by donor, by fund, by currency and by the day received.
    listed = api.get(f"gifts?fund_id={people['fund']}")
    assert listed.status_code == 200, listed.get_json()
    assert [g["amount"] for g in listed.get_json()["data"]] == ["12.50"]
    assert [g["currency"] for g in api.get("gifts?currency=EUR").get_json()["data"]] == ["EUR"]
    assert len(api.get("gifts?received_from=2026-03-02&received_to=2026-03-31").get_json()["data"]) == 1
    assert len(api.get(f"gifts?contact_id={people['spouse']}").get_json()["data"]) == 0


def test_the_gift_forms_rules_apply(app, admin, people):
    api = api_for(app, admin.email)
    tribute = api.post("gifts", json={"contact_id": people["donor"], "amount": "5.00", "received_on": "2026-03-01",
                                      "tribute_kind": "memory"})
    assert tribute.status_code == 422 and tribute.get_json()["errors"][0]["field"] == "tribute_name"
    nobody = api.post("gifts", json={"contact_id": 999999, "amount": "5.00", "received_on": "2026-03-01"})
    assert nobody.status_code == 422 and nobody.get_json()["errors"][0]["field"] == "contact_id"
    zero = api.post("gifts", json={"contact_id": people["donor"], "amount": "0", "received_on": "2026-03-01"})
    assert zero.status_code == 422
    assert _gifts(app) == []


def test_a_retried_create_makes_one_gift(app, admin, people):
    api = api_for(app, admin.email)
    body = {"contact_id": people["donor"], "amount": "40.00", "received_on": "2026-04-01"}
    answers = [api.post("gifts", json=body, headers={"Idempotency-Key": "gift-40"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert len(_gifts(app)) == 1


def test_a_stale_update_is_refused_with_412(app, admin, people):
    api = api_for(app, admin.email)
    made = api.post("gifts", json={"contact_id": people["donor"], "amount": "100.00", "received_on": "2026-05-01"})
    gift_id, etag = made.get_json()["id"], made.headers["ETag"]
    with app.app_context():  # someone corrects it on the page meanwhile
        gifts.update_gift(db.session.get(Gift, gift_id), {"amount": Decimal("110.00")})
        db.session.commit()
    stale = api.patch(f"gifts/{gift_id}", json={"amount": "120.00"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.headers["ETag"] != etag
    assert api.delete(f"gifts/{gift_id}", headers={"If-Match": etag}).status_code == 412
    [kept] = _gifts(app)
    assert kept.amount == Decimal("110.00")
    fresh = api.get(f"gifts/{gift_id}").headers["ETag"]
    ok = api.patch(f"gifts/{gift_id}", json={"amount": "120.00", "reference": "corrected"},
                   headers={"If-Match": fresh})
    assert ok.status_code == 200 and ok.get_json()["amount"] == "120.00"
    [kept] = _gifts(app)
    assert (kept.amount, kept.reference, kept.received_on) == (Decimal("120.00"), "corrected", date(2026, 5, 1))
    assert api.delete(f"gifts/{gift_id}", headers={"If-Match": ok.headers["ETag"]}).status_code == 204
    assert _gifts(app) == []


def test_soft_credits_inside_a_gift(app, admin, people):
    api = api_for(app, admin.email)
    made = api.post("gifts", json={"contact_id": people["donor"], "amount": "250.00", "received_on": "2026-03-01",
                                   "soft_credits": [{"contact_id": people["spouse"], "role": "spouse"}]})
    assert made.status_code == 201, made.get_json()
    gift_id = made.get_json()["id"]
    assert made.get_json()["soft_credits"] == [{"contact_id": people["spouse"], "amount": "250.00",
                                                "role": "spouse"}]
    # The service's rules: not the donor, not more than the gift.
    own = api.patch(f"gifts/{gift_id}", json={"soft_credits": [{"contact_id": people["donor"]}]})
    assert own.status_code == 422 and "cannot also be soft-credited" in own.get_json()["errors"][0]["detail"]
    much = api.patch(f"gifts/{gift_id}", json={"soft_credits": [{"contact_id": people["spouse"],
                                                                 "amount": "300.00"}]})
    assert much.status_code == 422
    # A change elsewhere keeps the credits; sending them replaces them.
    assert api.patch(f"gifts/{gift_id}", json={"notes": "Thank by phone"}).status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(SoftCredit.contact_id, SoftCredit.amount)).all() == [
            (people["spouse"], Decimal("250.00"))]
    cleared = api.patch(f"gifts/{gift_id}", json={"soft_credits": []})
    assert cleared.status_code == 200 and cleared.get_json()["soft_credits"] == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SoftCredit)) == 0


def test_external_ids_look_up_a_gift_and_name_one_gift(app, admin, people):
    api = api_for(app, admin.email)
    body = {"contact_id": people["donor"], "amount": "20.00", "received_on": "2026-06-01"}
    first = api.post("gifts", json={**body, "external_ids": {"stripe": "pi_1"}})
    assert first.status_code == 201 and first.get_json()["external_ids"] == {"stripe": "pi_1"}
    found = api.get("gifts?external_id=stripe:pi_1").get_json()["data"]
    assert [g["id"] for g in found] == [first.get_json()["id"]]
    assert api.get("gifts?external_id=stripe:pi_2").get_json()["data"] == []
    assert api.get("gifts?external_id=nocolon").status_code == 422
    taken = api.post("gifts", json={**body, "external_ids": {"stripe": "pi_1"}})
    assert taken.status_code == 422 and taken.get_json()["errors"][0]["field"] == "external_ids.stripe"
    assert len(_gifts(app)) == 1
    second = api.post("gifts", json={**body, "external_ids": {"stripe": "pi_2", "web": "d-9"}}).get_json()
    # null removes one; the others stay.
    changed = api.patch(f"gifts/{second['id']}", json={"external_ids": {"web": None}})
    assert changed.get_json()["external_ids"] == {"stripe": "pi_2"}
    with app.app_context():
        assert sorted(db.session.execute(db.select(GiftExternalId.system, GiftExternalId.value)).all()) == [
            ("stripe", "pi_1"), ("stripe", "pi_2")]


def test_a_token_without_giving_view_is_refused(app, admin, people):
    make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    volunteer = api_for(app, "vol@example.org")
    for answer in (volunteer.get("gifts"), volunteer.get("pledges"),
                   volunteer.post("gifts", json={"contact_id": people["donor"], "amount": "5.00",
                                                 "received_on": "2026-03-01"})):
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert _gifts(app) == []
    # An administrator's token narrowed to contacts.view is refused too.
    narrow = api_for(app, admin.email, ["contacts.view"])
    assert narrow.get("gifts").status_code == 403
    assert api_for(app, admin.email, ["giving.view"]).get("gifts").status_code == 200
