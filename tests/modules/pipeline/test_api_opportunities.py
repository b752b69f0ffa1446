"""Opportunities, pipelines, funds and appeals over the API: a stage move is
kept in the history as the board's are; the admin-only writes stay admin's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline.models import Fund, LostReason, Opportunity, Pipeline, StageChange
from tests.api_client import api_for
from tests.conftest import make_user


@pytest.fixture
def world(app):
    with app.app_context():
        contact = records.create("organisation", {"name": "Hopper Foundation"})
        db.session.flush()
        pipeline = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts"))
        stages = {s.name: s.id for s in pipeline.stages}
        outcomes = {s.outcome: s.id for s in reversed(pipeline.stages)}
        reason = db.session.scalar(db.select(LostReason.id).limit(1))
        db.session.commit()
        return {"contact": contact.id, "pipeline": pipeline.id, "stages": stages, "outcomes": outcomes,
                "reason": reason}


def test_create_move_and_history(app, admin, world):
    api = api_for(app, admin.email)
    pipelines = api.get("pipelines").get_json()["data"]
    major = next(p for p in pipelines if p["id"] == world["pipeline"])
    first, second = major["stages"][0], major["stages"][1]
    made = api.post("opportunities", json={"stage_id": first["id"], "contact_id": world["contact"],
                                           "name": "Capital grant", "amount": "25000.00", "currency": "USD"})
    assert made.status_code == 201, made.get_json()
    opp = made.get_json()
    assert (opp["amount"], opp["pipeline_id"], opp["stage_id"]) == ("25000.00", world["pipeline"], first["id"])
    moved = api.post(f"opportunities/{opp['id']}/move", json={"stage_id": second["id"]},
                     headers={"If-Match": made.headers["ETag"]})
    assert moved.status_code == 200 and moved.get_json()["stage_id"] == second["id"]
    history = api.get(f"opportunities/{opp['id']}/history").get_json()["data"]
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [(None, first["id"]),
                                                                        (first["id"], second["id"])]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(StageChange)
                                 .where(StageChange.opportunity_id == opp["id"])) == 2
    # A stale move (the old ETag) writes nothing.
    stale = api.post(f"opportunities/{opp['id']}/move", json={"stage_id": first["id"]},
                     headers={"If-Match": made.headers["ETag"]})
    assert stale.status_code == 412
    # Lost needs a reason, as on the board.
    lost = world["outcomes"]["lost"]
    refused = api.post(f"opportunities/{opp['id']}/move", json={"stage_id": lost})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "lost_reason_id"
    with app.app_context():
        assert db.session.get(Opportunity, opp["id"]).stage_id == second["id"]
    done = api.post(f"opportunities/{opp['id']}/move", json={"stage_id": lost, "lost_reason_id": world["reason"]})
    assert done.status_code == 200 and done.get_json()["lost_reason_id"] == world["reason"]
    assert done.get_json()["closed_on"] is not None
    assert len(api.get(f"opportunities/{opp['id']}/history").get_json()["data"]) == 3


def test_update_checks_the_form_and_the_etag(app, admin, world):
    api = api_for(app, admin.email)
    first = next(iter(world["stages"].values()))
    made = api.post("opportunities", json={"stage_id": first, "contact_id": world["contact"], "name": "Grant",
                                           "amount": "100.00", "currency": "USD"})
    oid, etag = made.get_json()["id"], made.headers["ETag"]
    blank = api.patch(f"opportunities/{oid}", json={"name": ""})
    assert blank.status_code == 422 and blank.get_json()["errors"][0]["field"] == "name"
    ok = api.patch(f"opportunities/{oid}", json={"amount": "150.50"}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["amount"] == "150.50"
    assert api.patch(f"opportunities/{oid}", json={"amount": "1.00"}, headers={"If-Match": etag}).status_code == 412
    with app.app_context():
        assert db.session.get(Opportunity, oid).amount == Decimal("150.50")
    listed = api.get(f"opportunities?contact_id={world['contact']}").get_json()["data"]
    assert [o["id"] for o in listed] == [oid]


def test_funds_and_appeals_writes_are_for_pipeline_admin(app, admin, world):
    make_user(app, "staff@example.org", "staff", name="Sam Staff")
    staff = api_for(app, "staff@example.org")
    assert staff.get("funds").status_code == 200
    assert staff.post("funds", json={"name": "Roof"}).status_code == 403
    api = api_for(app, admin.email)
    made = api.post("funds", json={"name": "Roof", "code": "R1"})
    assert made.status_code == 201 and made.get_json()["active"] is True
    again = api.post("funds", json={"name": "roof"})
    assert again.status_code == 422 and again.get_json()["errors"][0]["field"] == "name"
    appeal = api.post("appeals", json={"name": "Spring", "starts_on": "2026-04-01", "ends_on": "2026-03-01"})
    assert appeal.status_code == 422 and appeal.get_json()["errors"][0]["field"] == "ends_on"
    changed = api.patch(f"funds/{made.get_json()['id']}", json={"active": False},
                        headers={"If-Match": made.headers["ETag"]})
    assert changed.status_code == 200
    with app.app_context():
        fund = db.session.get(Fund, made.get_json()["id"])
        assert (fund.name, fund.code, fund.active) == ("Roof", "R1", False)
        assert db.session.scalar(db.select(db.func.count()).select_from(Fund).where(Fund.name.ilike("roof"))) == 1
    # pipeline.view without pipeline.edit (a volunteer) reads but does not write opportunities.
    make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    volunteer = api_for(app, "vol@example.org")
    assert volunteer.get("opportunities").status_code == 200
    refused = volunteer.post("opportunities", json={"stage_id": next(iter(world["stages"].values())),
                                                    "contact_id": world["contact"], "name": "x",
                                                    "amount": "1.00", "currency": "USD"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Opportunity)) == 0
