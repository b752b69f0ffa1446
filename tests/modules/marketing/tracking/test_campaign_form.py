"""The campaign form's switches for click and open tracking and its A/B
subject test: saved, checked next to the field, and two people's edits to
them merged by the core edit guard (never one lost)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from modules.marketing.campaign_models import Campaign
from tests.conftest import post_form
from tests.modules.marketing.campaign_helpers import person, segment, verified_sender


def _setup(app) -> tuple[int, int]:
    with app.app_context():
        person("Ann", "ann@example.org", tags=["News"])
        seg = segment("News readers", "News")
        sender = verified_sender()
        db.session.commit()
        return seg, sender.id


def _form(seg, sender_id, **values) -> dict:
    return {"name": "Spring news", "subject": "Spring news", "preheader": "", "format": "markdown",
            "body": "Hello [site](https://example.org)", "match": "all", "per": "combined",
            "sender_id": str(sender_id), "topic_id": "", "layout_id": "", "expand": "", "filters": "",
            "segments": [str(seg)], "track_clicks": "y", "ab_share": "20", "ab_wait_minutes": "240",
            "ab_metric": "clicks", **values}


def _stored(app):
    with app.app_context():
        row = db.session.scalar(select(Campaign).order_by(Campaign.id.desc()).limit(1))
        db.session.expunge(row)
        return row


def test_the_switches_and_the_ab_test_are_saved_and_checked(app, admin_client):
    seg, sender_id = _setup(app)
    form = _form(seg, sender_id)
    # Picking by opens needs open counting on; C needs B; B's merge fields are checked like A's.
    refused = post_form(admin_client, "/marketing/campaigns/new", {
        **form, "subject_b": "Hi {{ contact.frist_name }}", "subject_c": "", "ab_metric": "opens"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Picking by opens needs “Count opens” on." in html and "frist_name" in html
    refused = post_form(admin_client, "/marketing/campaigns/new", {**form, "subject_c": "Only C"})
    assert refused.status_code == 422 and "Fill in subject B first." in refused.get_data(as_text=True)
    refused = post_form(admin_client, "/marketing/campaigns/new", {**form, "subject_b": "B", "ab_share": "90"})
    assert refused.status_code == 422 and "Enter a share from 2 to 50." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Campaign)) == 0

    saved = post_form(admin_client, "/marketing/campaigns/new", {
        **form, "track_opens": "y", "subject_b": "A warm meal", "subject_c": "Last chance", "ab_share": "30",
        "ab_wait_minutes": "90", "ab_metric": "opens"})
    assert saved.status_code == 303
    row = _stored(app)
    assert (row.track_clicks, row.track_opens, row.ab_subjects, row.ab_share, row.ab_wait_minutes,
            row.ab_metric) == (True, True, ["A warm meal", "Last chance"], 30, 90, "opens")
    page = admin_client.get(f"/marketing/campaigns/{row.id}/edit").get_data(as_text=True)
    assert 'value="A warm meal"' in page
    assert "checked" in re.search(r'<input[^>]*id="track_opens"[^>]*>', page).group(0)
    # Duplicating keeps the test and the switches.
    assert post_form(admin_client, f"/marketing/campaigns/{row.id}/duplicate", {},
                     page=f"/marketing/campaigns/{row.id}").status_code == 303
    copy = _stored(app)
    assert (copy.ab_subjects, copy.track_opens) == (["A warm meal", "Last chance"], True)


def _edit_token(admin_client, url) -> str:
    html = admin_client.get(url).get_data(as_text=True)
    return re.search(r'name="edit_token" value="([^"]+)"', html).group(1)


def test_two_people_changing_the_test_and_the_switches_keep_both_edits(app, admin_client):
    seg, sender_id = _setup(app)
    form = _form(seg, sender_id)
    assert post_form(admin_client, "/marketing/campaigns/new", form).status_code == 303
    url = f"/marketing/campaigns/{_stored(app).id}/edit"
    mine, theirs = _edit_token(admin_client, url), _edit_token(admin_client, url)
    assert post_form(admin_client, url, {**form, "subject_b": "A warm meal", "edit_token": theirs}).status_code == 303
    assert post_form(admin_client, url, {**form, "track_opens": "y", "edit_token": mine}).status_code == 303
    row = _stored(app)
    assert (row.ab_subjects, row.track_opens) == (["A warm meal"], True)
    # Both change subject B, differently: it comes back to choose, nothing saved.
    clash = post_form(admin_client, url, {**form, "track_opens": "y", "subject_b": "Mine", "edit_token": mine})
    assert clash.status_code == 409
    assert _stored(app).ab_subjects == ["A warm meal"]
