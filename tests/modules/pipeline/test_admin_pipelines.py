"""Pipeline settings: create, rename, archive; stages added, edited,
reordered and deleted (refused while opportunities are in it unless they are
moved, each move in their history); lost reasons; everything audited and
administrators only."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry
from modules.pipeline.models import LostReason, Opportunity, Pipeline, Stage, StageChange
from tests.conftest import login, make_user, post_form
from tests.modules.pipeline.test_opportunities import make_opportunity


def audit_summaries(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.summary).order_by(AuditEntry.id)))


def test_create_a_pipeline_with_stages_then_rename_reorder_and_archive(app, admin_client):
    assert "Major gifts" in admin_client.get("/pipeline/admin/pipelines").get_data(as_text=True)
    taken = post_form(admin_client, "/pipeline/admin/pipelines/new", {"name": "major GIFTS"},
                      page="/pipeline/admin/pipelines")
    assert taken.status_code == 422 and "already exists" in taken.get_data(as_text=True)
    created = post_form(admin_client, "/pipeline/admin/pipelines/new",
                        {"name": "Corporate sponsors", "description": "Event sponsorships"},
                        page="/pipeline/admin/pipelines")
    assert created.status_code == 303
    with app.app_context():
        pipeline = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Corporate sponsors"))
        pid = pipeline.id
        assert pipeline.records_gifts is False  # the box was left unticked
    url = f"/pipeline/admin/pipelines/{pid}"
    for name, probability, outcome in [("Prospect", "10", "open"), ("Signed", "100", "won"),
                                       ("Declined", "0", "lost")]:
        added = post_form(admin_client, f"{url}/stages", {"name": name, "probability": probability,
                                                          "outcome": outcome}, page=url)
        assert added.status_code == 303
    bad = post_form(admin_client, f"{url}/stages", {"name": "prospect", "probability": "140", "outcome": "open"},
                    page=url)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "A probability is from 0 to 100." in html
    with app.app_context():
        stages = {s.name: s.id for s in db.session.get(Pipeline, pid).stages}
    assert list(stages) == ["Prospect", "Signed", "Declined"]
    edit = post_form(admin_client, f"/pipeline/admin/stages/{stages['Prospect']}",
                     {f"s{stages['Prospect']}-name": "Qualified", f"s{stages['Prospect']}-probability": "25",
                      f"s{stages['Prospect']}-outcome": "open"}, page=url)
    assert edit.status_code == 303
    assert post_form(admin_client, f"/pipeline/admin/stages/{stages['Declined']}/up", {},
                     page=url).status_code == 303
    with app.app_context():
        pipeline = db.session.get(Pipeline, pid)
        assert [(s.name, s.probability) for s in pipeline.stages] == [("Qualified", 25), ("Declined", 0),
                                                                       ("Signed", 100)]
    rename = post_form(admin_client, url, {"name": "Sponsors", "description": "", "records_gifts": "y"}, page=url)
    assert rename.status_code == 303
    assert post_form(admin_client, f"{url}/archive", {}, page=url).status_code == 303
    with app.app_context():
        pipeline = db.session.get(Pipeline, pid)
        assert (pipeline.name, pipeline.records_gifts, pipeline.archived) == ("Sponsors", True, True)
    board = admin_client.get("/pipeline/").get_data(as_text=True)
    assert ">Sponsors</a>" not in board and ">Grants</a>" in board  # archived: off the switcher
    summaries = audit_summaries(app)
    for expected in ("Created the pipeline Corporate sponsors", "Added the stage Signed to Corporate sponsors",
                     "Edited the stage Prospect of Corporate sponsors", "Reordered the stages of Corporate sponsors",
                     "Edited the pipeline Corporate sponsors", "Archived the pipeline Sponsors"):
        assert any(s.startswith(expected) for s in summaries), (expected, summaries)


def test_a_stage_with_opportunities_is_deleted_only_after_moving_them(app, admin_client):
    opp_id = make_opportunity(app)
    with app.app_context():
        opp = db.session.get(Opportunity, opp_id)
        stage_id, target_id = opp.stage_id, opp.pipeline.stages[1].id
    url = f"/pipeline/admin/stages/{stage_id}/delete"
    page = admin_client.get(url).get_data(as_text=True)
    assert "1 opportunity is in" in page and "Move its opportunities to" in page
    refused = post_form(admin_client, url, {"move_to": 0})
    assert refused.status_code == 422 and "Choose where the 1 opportunities" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Stage, stage_id) is not None
    done = post_form(admin_client, url, {"move_to": target_id})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Stage, stage_id) is None
        assert db.session.get(Opportunity, opp_id).stage_id == target_id
        last = db.session.scalar(db.select(StageChange).where(StageChange.opportunity_id == opp_id)
                                 .order_by(StageChange.id.desc()))
        assert last.to_stage_id == target_id
    assert any("opportunities moved to" in s for s in audit_summaries(app))


def test_an_empty_stage_is_deleted_after_confirming(app, admin_client):
    with app.app_context():
        stage = db.session.scalar(db.select(Stage).join(Pipeline).where(Pipeline.name == "Grants"))
        stage_id, name = stage.id, stage.name
    url = f"/pipeline/admin/stages/{stage_id}/delete"
    assert "No opportunity is in it" in admin_client.get(url).get_data(as_text=True)
    assert post_form(admin_client, url, {}).status_code == 303
    with app.app_context():
        assert db.session.get(Stage, stage_id) is None
    assert f"Deleted the stage {name} of Grants" in audit_summaries(app)


def test_lost_reasons_are_added_renamed_and_retired(app, admin_client):
    url = "/pipeline/admin/lost-reasons"
    assert post_form(admin_client, f"{url}/new", {"name": "Board said no"}, page=url).status_code == 303
    dup = post_form(admin_client, f"{url}/new", {"name": "board said NO"}, page=url)
    assert dup.status_code == 422 and "is already a lost reason" in dup.get_data(as_text=True)
    with app.app_context():
        rid = db.session.scalar(db.select(LostReason.id).where(LostReason.name == "Board said no"))
    assert post_form(admin_client, f"{url}/{rid}", {f"r{rid}-name": "Board declined"}, page=url).status_code == 303
    assert post_form(admin_client, f"{url}/{rid}/toggle", {}, page=url).status_code == 303
    with app.app_context():
        reason = db.session.get(LostReason, rid)
        assert (reason.name, reason.active) == ("Board declined", False)
    opp_id = make_opportunity(app)
    lose_page = admin_client.get(f"/pipeline/opportunities/{opp_id}/lose").get_data(as_text=True)
    assert ">Board declined</option>" not in lose_page and ">Timing</option>" in lose_page  # retired: not offered
    assert "Retired the lost reason Board declined" in audit_summaries(app)


def test_staff_cannot_manage_pipelines(app, client):
    make_user(app, "sam@example.org", "staff", "Sam")
    login(client, "sam@example.org")
    assert client.get("/pipeline/admin/pipelines").status_code == 403
    assert "Manage pipelines" not in client.get("/pipeline/").get_data(as_text=True)
