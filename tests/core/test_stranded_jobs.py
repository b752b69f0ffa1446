"""Jobs whose worker died: the sweep tells them by their stale heartbeat,
resumes the kinds that keep checkpoints, leaves the others for Retry, and
Admin → Jobs says "Interrupted" with the action that fits; /healthz answers
503 when jobs wait and no worker has been seen."""

from __future__ import annotations

import time

from flask import current_app

from app import heartbeat, jobs
from app.extensions import db
from app.jobs import stranded
from app.models import Job
from app.models.base import utcnow
from tests.conftest import csrf_from


def _running(kind: str, title: str, beat_age: float | None) -> int:
    """A job the database says runs, whose process last beat `beat_age` seconds ago (None: never)."""
    job = jobs.enqueue(kind, title, {"import_id": 0} if kind == "contacts.import" else {})
    job.status, job.started_at, job.attempts = Job.STARTED, utcnow(), 1
    db.session.commit()
    if beat_age is not None:
        redis = current_app.extensions["steward"].redis
        redis.zadd(heartbeat.RUNNING, {str(job.id): time.time() - beat_age})
    return job.id


def test_the_sweep_interrupts_jobs_whose_worker_stopped_beating_and_resumes_those_that_can(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_LOST_AFTER", 60)
    lost_import = _running("contacts.import", "Import people.csv", beat_age=120)
    lost_export = _running("contacts.export", "Export contacts", beat_age=120)
    busy = _running("contacts.export", "Export still running", beat_age=5)
    assert stranded.sweep() == {"interrupted": [lost_import, lost_export], "resumed": [lost_import]}
    db.session.expire_all()
    assert db.session.get(Job, lost_import).status == Job.QUEUED  # back in the queue, progress kept
    export = db.session.get(Job, lost_export)
    assert export.status == Job.INTERRUPTED
    assert export.error.startswith("The worker running this job stopped (last heard from at ")
    assert db.session.get(Job, busy).status == Job.STARTED
    redis = app.extensions["steward"].redis
    assert heartbeat.job_beats(redis, [lost_import, lost_export, busy]).keys() == {busy}
    assert f"steward-job-{lost_import}" in jobs.queue().job_ids


def test_a_job_that_keeps_killing_its_worker_waits_for_an_administrator(app, ctx):
    job_id = _running("contacts.import", "Import huge.csv", beat_age=600)
    job = db.session.get(Job, job_id)
    job.attempts = stranded.AUTO_RESUMES
    db.session.commit()
    assert stranded.sweep() == {"interrupted": [job_id], "resumed": []}


def test_a_running_job_without_any_beat_is_lost_only_once_it_started_long_ago(app, ctx, monkeypatch):
    from datetime import timedelta

    monkeypatch.setitem(app.config, "WORKER_LOST_AFTER", 60)
    recent = _running("contacts.export", "Just started", beat_age=None)
    old = _running("contacts.export", "Started before Redis lost its data", beat_age=None)
    db.session.get(Job, old).started_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert stranded.sweep() == {"interrupted": [old], "resumed": []}
    assert db.session.get(Job, recent).status == Job.STARTED


def test_admin_jobs_shows_interrupted_with_resume_or_retry(app, admin_client):
    with app.app_context():
        resumable = _running("contacts.import", "Import people.csv", beat_age=600)
        other = _running("contacts.export", "Export contacts", beat_age=600)
        for job_id in (resumable, other):
            job = db.session.get(Job, job_id)
            job.attempts, job.done, job.total = stranded.AUTO_RESUMES, 40, 100
        db.session.commit()
        stranded.sweep()
    listing = admin_client.get("/admin/jobs?status=interrupted").get_data(as_text=True)
    assert listing.count("Interrupted</span>") == 2
    assert f"/admin/jobs/{resumable}/resume" in listing and f"/admin/jobs/{other}/retry" in listing
    assert f"/admin/jobs/{other}/resume" not in listing
    page = admin_client.get(f"/admin/jobs/{resumable}").get_data(as_text=True)
    assert "Resume this job" in page and "The worker running this job stopped" in page
    token = csrf_from(admin_client, f"/admin/jobs/{resumable}")
    assert admin_client.post(f"/admin/jobs/{resumable}/resume", data={"csrf_token": token}).status_code == 303
    refused = admin_client.post(f"/admin/jobs/{other}/resume", data={"csrf_token": token}, follow_redirects=True)
    assert "retry it instead" in refused.get_data(as_text=True)
    assert admin_client.post(f"/admin/jobs/{other}/retry", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        resumed, retried = db.session.get(Job, resumable), db.session.get(Job, other)
        assert (resumed.status, resumed.done) == (Job.QUEUED, 40)  # carries on from its checkpoint
        assert (retried.status, retried.done) == (Job.QUEUED, 0)  # starts over


def test_healthz_is_503_when_jobs_wait_and_no_worker_was_seen(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_LOST_AFTER", 60)
    assert client.get("/healthz").json["worker"] == "ok"  # nothing waits
    with app.app_context():
        jobs.enqueue("contacts.export", "Export contacts")
        db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["worker"] == ("error: jobs are waiting and no worker has been seen for 60 seconds "
                                       "(never seen)")
    redis = app.extensions["steward"].redis
    redis.zadd(heartbeat.WORKERS, {"old-host:1": time.time() - 300})
    assert "(last seen 300 seconds ago)" in client.get("/healthz").json["worker"]
    heartbeat.beat_worker(redis, "host:2")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["worker"] == "ok"
