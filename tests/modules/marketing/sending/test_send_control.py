"""Pause, resume and cancel in the middle of a send (through the POST
views, as a person clicks them), and the progress the campaign page polls."""

from __future__ import annotations

from app.extensions import db
from app.models import Job
from modules.marketing.sending import job as send_job
from tests.conftest import csrf_from
from tests.modules.marketing.sending.helpers import campaign_state, deliveries, make_campaign, run_all


def _click_after_batches(monkeypatch, admin_client, url_of, batches: int = 1):
    """Post to the view `url_of()` from a person's browser just before the
    job claims batch number `batches + 1` of its main pass."""
    real, calls = send_job._claim, []

    def claim(campaign_id, job_id, size, deferred_after):
        if deferred_after is not None:  # the retry pass (nothing deferred here)
            return real(campaign_id, job_id, size, deferred_after)
        calls.append(1)
        if len(calls) == batches + 1:
            token = csrf_from(admin_client, url_of().rsplit("/", 1)[0] + "/progress")
            answer = admin_client.post(url_of(), data={"csrf_token": token})
            assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
        return real(campaign_id, job_id, size, deferred_after)

    monkeypatch.setattr(send_job, "_claim", claim)


def test_pause_mid_send_stops_after_the_batch_and_resume_sends_the_rest_once(app, smtp, admin_client, monkeypatch):
    campaign_id = make_campaign(app, 7, send_batch_size=2)
    _click_after_batches(monkeypatch, admin_client, lambda: f"/marketing/campaigns/{campaign_id}/pause")
    run_all(app)

    state = campaign_state(app, campaign_id)
    assert state["status"] == "paused" and state["reason"] == "Paused by hand."
    assert state["rows"] == {"sent": 2, "queued": 5} and sum(deliveries(smtp).values()) == 2
    page = admin_client.get(f"/marketing/campaigns/{campaign_id}/progress").get_data(as_text=True)
    assert "Paused by hand." in page and "Resume sending" in page

    monkeypatch.undo()
    token = csrf_from(admin_client, f"/marketing/campaigns/{campaign_id}/progress")
    assert admin_client.post(f"/marketing/campaigns/{campaign_id}/resume",
                             data={"csrf_token": token}).status_code == 303
    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": 7} and state["sent"] == 7
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(7)}


def test_cancel_mid_send_sends_no_one_else(app, smtp, admin_client, monkeypatch):
    campaign_id = make_campaign(app, 6, send_batch_size=2)
    confirm = admin_client.get(f"/marketing/campaigns/{campaign_id}/cancel")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.get_data(as_text=True)
    _click_after_batches(monkeypatch, admin_client, lambda: f"/marketing/campaigns/{campaign_id}/cancel", 2)
    run_all(app)

    state = campaign_state(app, campaign_id)
    assert state["status"] == "cancelled" and state["sent"] == 4
    assert state["rows"] == {"sent": 4, "queued": 2} and sum(deliveries(smtp).values()) == 4


def test_a_stale_job_stops_when_the_campaign_was_handed_to_another(app, smtp):
    """Pause then resume names a new job; the old one, still waiting in RQ
    (say a delayed continuation), sends nothing when it wakes."""
    campaign_id = make_campaign(app, 3)
    with app.app_context():
        from modules.marketing.sending import control

        old = campaign_state(app, campaign_id)["job_id"]
        control.pause(campaign_id)
        db.session.commit()
        control.resume(campaign_id)
        db.session.commit()
    from app.jobs import service

    with app.app_context():
        assert service.run(old) == Job.FINISHED
        assert db.session.get(Job, old).result["note"] == "the campaign is not sending with this job"
    assert sum(deliveries(smtp).values()) == 0
    run_all(app)
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(3)}


def test_progress_shows_counts_and_polls_only_while_sending(app, smtp, admin_client):
    campaign_id = make_campaign(app, 4)
    fragment = admin_client.get(f"/marketing/campaigns/{campaign_id}/progress", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"] and "<html" not in html
    assert 'hx-trigger="every 2s"' in html and "Remaining</dt><dd>4</dd>" in html
    run_all(app)
    html = admin_client.get(f"/marketing/campaigns/{campaign_id}/progress").get_data(as_text=True)
    assert "Sent</dt><dd>4</dd>" in html and "Remaining</dt><dd>0</dd>" in html
    assert "hx-trigger" not in html.split('id="send-progress"')[1].split(">")[0]


def test_sending_views_need_their_permissions(app, client):
    campaign_id = make_campaign(app, 1, start=False)
    from tests.conftest import login, make_user

    make_user(app, email="staff@example.org", role_key="staff", name="Sam Staff")
    login(client, "staff@example.org")
    assert client.get("/marketing/settings/sending").status_code == 403
    token = csrf_from(client, "/")
    assert client.post(f"/marketing/campaigns/{campaign_id}/pause", data={"csrf_token": token}).status_code == 403
