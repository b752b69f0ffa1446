"""Two people editing the same pipeline, its stages or the lost reasons
(issue 15): a field only one changed merges, a field both changed is a
conflict with their value, name and time; a stage deleted or added by the
other person meanwhile has a clear outcome; archive and retire post the
state they ask for, so a stale click undoes nothing."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEntry
from modules.contacts import models as _contacts  # noqa: F401  (pipeline models name Contact)
from modules.pipeline.models import LostReason, Pipeline
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors


def _grants(app) -> tuple[int, list[int]]:
    with app.app_context():
        pipeline = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Grants"))
        return pipeline.id, [s.id for s in pipeline.stages]


def _stages(app, pid) -> list[tuple]:
    with app.app_context():
        return [(s.name, s.probability, s.outcome) for s in db.session.get(Pipeline, pid).stages]


def _settings_form(html: str, url: str):
    """The pipeline's own form (after the archive and stage forms, which share its URL's start)."""
    return form_data(html[html.index('id="settings-title"'):], url)


def _open(first, second, url, action, pick=form_data):
    return pick(page(first, url), action), pick(page(second, url), action)


def test_pipeline_settings_merge_clash_and_no_token(app):
    pid, _ = _grants(app)
    first, second = two_editors(app)
    url = f"/pipeline/admin/pipelines/{pid}"
    form_a, form_b = _open(first, second, url, url, _settings_form)
    assert first.post(url, data=changed(form_a, description="Foundations and trusts")).status_code == 303
    merged = second.post(url, data=changed(form_b, name="Grant making"), follow_redirects=True)
    assert "changes to Description were kept" in merged.get_data(as_text=True)
    with app.app_context():
        pipeline = db.session.get(Pipeline, pid)
        assert (pipeline.name, pipeline.description) == ("Grant making", "Foundations and trusts")

    form_a, form_b = _open(first, second, url, url, _settings_form)
    assert first.post(url, data=changed(form_a, name="Trusts")).status_code == 303
    clash = second.post(url, data=changed(form_b, name="Foundations"))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this at" in html and '<p class="edit-theirs">Trusts</p>' in html
    again = _settings_form(html, url)
    assert again["name"] == "Foundations"
    assert second.post(url, data=changed(again, **{"edit_keep-name": "theirs"})).status_code == 303
    with app.app_context():
        assert db.session.get(Pipeline, pid).name == "Trusts"

    form_a, form_b = _open(first, second, url, url, _settings_form)
    assert first.post(url, data=changed(form_a, name="Ada's")).status_code == 303
    form_b.pop("edit_token")
    assert second.post(url, data=changed(form_b, name="Sam's")).status_code == 303
    with app.app_context():
        assert db.session.get(Pipeline, pid).name == "Sam's"


def test_two_people_change_different_fields_of_one_stage(app):
    pid, stage_ids = _grants(app)
    sid = stage_ids[0]
    first, second = two_editors(app)
    url, action = f"/pipeline/admin/pipelines/{pid}", f"/pipeline/admin/stages/{sid}"
    before = _stages(app, pid)
    form_a, form_b = _open(first, second, url, action)
    assert first.post(action, data=changed(form_a, **{f"s{sid}-probability": "15"})).status_code == 303
    saved = second.post(action, data=changed(form_b, **{f"s{sid}-name": "Researching"}), follow_redirects=True)
    assert "changes to Probability (%) were kept" in saved.get_data(as_text=True)
    assert _stages(app, pid) == [("Researching", 15, before[0][2])] + before[1:]


@pytest.mark.parametrize("choice, kept", [("mine", 40), ("theirs", 15)])
def test_one_stage_field_changed_by_both_is_a_conflict_then_a_choice(app, choice, kept):
    pid, stage_ids = _grants(app)
    sid = stage_ids[0]
    first, second = two_editors(app)
    url, action = f"/pipeline/admin/pipelines/{pid}", f"/pipeline/admin/stages/{sid}"
    before = _stages(app, pid)
    form_a, form_b = _open(first, second, url, action)
    assert first.post(action, data=changed(form_a, **{f"s{sid}-probability": "15"})).status_code == 303

    clash = second.post(action, data=changed(form_b, **{f"s{sid}-probability": "40", f"s{sid}-name": "Scoping"}))

    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert html.count('class="edit-conflict"') == 1 and f'id="s{sid}-probability-conflict"' in html
    assert "Ada Admin changed this at" in html and '<p class="edit-theirs">15</p>' in html
    again = form_data(html, action)
    assert (again[f"s{sid}-probability"], again[f"s{sid}-name"]) == ("40", "Scoping")
    assert _stages(app, pid)[0] == (before[0][0], 15, before[0][2])  # nothing saved from the clash
    assert second.post(action, data=changed(again, **{f"edit_keep-s{sid}-probability": choice})).status_code == 303
    assert _stages(app, pid) == [("Scoping", kept, before[0][2])] + before[1:]


def test_a_stage_form_without_its_token_saves_as_before(app):
    pid, stage_ids = _grants(app)
    sid = stage_ids[0]
    first, second = two_editors(app)
    url, action = f"/pipeline/admin/pipelines/{pid}", f"/pipeline/admin/stages/{sid}"
    form_a, form_b = _open(first, second, url, action)
    assert first.post(action, data=changed(form_a, **{f"s{sid}-name": "Ada's"})).status_code == 303
    form_b.pop("edit_token")
    assert second.post(action, data=changed(form_b, **{f"s{sid}-name": "Sam's"})).status_code == 303
    assert _stages(app, pid)[0][0] == "Sam's"


def test_a_stage_deleted_meanwhile_says_who_and_keeps_what_was_typed(app):
    pid, stage_ids = _grants(app)
    sid = stage_ids[-1]
    first, second = two_editors(app)
    url, action = f"/pipeline/admin/pipelines/{pid}", f"/pipeline/admin/stages/{sid}"
    before = _stages(app, pid)
    form_b = form_data(page(second, url), action)
    confirm = form_data(page(first, f"{action}/delete"), f"{action}/delete")
    assert first.post(f"{action}/delete", data=confirm).status_code == 303

    stale = second.post(action, data=changed(form_b, **{f"s{sid}-name": "Declined politely",
                                                       f"s{sid}-probability": "0"}))

    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert f"Ada Admin deleted the stage {before[-1][0]} at" in html and "Nothing you typed is lost" in html
    assert _stages(app, pid) == before[:-1]  # not brought back behind anyone's back
    add = form_data(html, f"{url}/stages")
    assert (add["name"], add["probability"], add["outcome"]) == ("Declined politely", "0", before[-1][2])
    assert second.post(f"{url}/stages", data=add).status_code == 303
    assert _stages(app, pid) == before[:-1] + [("Declined politely", 0, before[-1][2])]


def test_a_stage_added_meanwhile_stays_beside_a_stale_edit(app):
    pid, stage_ids = _grants(app)
    sid = stage_ids[0]
    first, second = two_editors(app)
    url, action = f"/pipeline/admin/pipelines/{pid}", f"/pipeline/admin/stages/{sid}"
    before = _stages(app, pid)
    form_b = form_data(page(second, url), action)
    add = form_data(page(first, url), f"{url}/stages")
    assert first.post(f"{url}/stages", data=changed(add, name="Site visit", probability="60")).status_code == 303
    assert second.post(action, data=changed(form_b, **{f"s{sid}-name": "Long list"})).status_code == 303
    assert _stages(app, pid) == [("Long list",) + before[0][1:]] + before[1:] + [("Site visit", 60, "open")]


def test_a_stale_archive_click_does_not_restore(app):
    pid, _ = _grants(app)
    first, second = two_editors(app)
    url = f"/pipeline/admin/pipelines/{pid}"
    form_a, form_b = _open(first, second, url, f"{url}/archive")
    assert form_b["archived"] == "1"
    assert first.post(f"{url}/archive", data=form_a).status_code == 303
    again = second.post(f"{url}/archive", data=form_b, follow_redirects=True)
    assert "is already archived" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pipeline, pid).archived is True
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.object_type == "pipeline_pipeline", AuditEntry.summary.like("Archived%"))) == 1


def test_lost_reasons_rename_clash_and_a_stale_retire(app):
    url = "/pipeline/admin/lost-reasons"
    with app.app_context():
        rid = db.session.scalar(db.select(LostReason.id).where(LostReason.name == "Timing"))
    first, second = two_editors(app)
    action = f"{url}/{rid}"
    form_a, form_b = _open(first, second, url, action)
    assert first.post(action, data=changed(form_a, **{f"r{rid}-name": "Bad timing"})).status_code == 303
    clash = second.post(action, data=changed(form_b, **{f"r{rid}-name": "Not now"}))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this at" in html and '<p class="edit-theirs">Bad timing</p>' in html
    again = form_data(html, action)
    assert again[f"r{rid}-name"] == "Not now"
    assert second.post(action, data=changed(again, **{f"edit_keep-r{rid}-name": "mine"})).status_code == 303
    with app.app_context():
        assert db.session.get(LostReason, rid).name == "Not now"

    form_a, form_b = _open(first, second, url, f"{action}/toggle")
    assert first.post(f"{action}/toggle", data=form_a).status_code == 303
    stale = second.post(f"{action}/toggle", data=form_b, follow_redirects=True)
    assert "is already retired" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LostReason, rid).active is False

    form_a, form_b = _open(first, second, url, action)
    assert first.post(action, data=changed(form_a, **{f"r{rid}-name": "Ada's"})).status_code == 303
    form_b.pop("edit_token")
    assert second.post(action, data=changed(form_b, **{f"r{rid}-name": "Sam's"})).status_code == 303
    with app.app_context():
        assert db.session.get(LostReason, rid).name == "Sam's"
