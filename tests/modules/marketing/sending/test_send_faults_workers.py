"""The faults that take the machinery away mid-send: a worker killed in the
middle of a batch (a real `flask worker`, SIGKILLed with its work horse),
and Redis restarting without its data. The database is the truth: the next
worker or the watch schedule carries on from the campaign's state, no one
is lost, and the only possible duplicates are the rows left `sending`."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from redis import ConnectionError as RedisConnectionError
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from modules.marketing.campaign_models import SENDING_ROW, Recipient
from modules.marketing.sending import job as send_job
from modules.marketing.sending import recover
from tests.browser.conftest import run_jobs
from tests.modules.marketing.sending.helpers import campaign_state, deliveries, make_campaign, run_all
from tests.workers import kill, start_worker, stop, wait_for_job

FAST_BEATS = {"WORKER_HEARTBEAT": "1", "WORKER_LOST_AFTER": "2"}
N = 30


def _mail_env(smtp) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), **FAST_BEATS}


def test_a_worker_killed_mid_batch_duplicates_only_the_rows_left_sending(app, smtp, tmp_path):
    smtp.inbox.delay = 0.15  # slow enough to be caught in the middle of a batch of 10
    campaign_id = make_campaign(app, N, send_batch_size=10)
    job_id = campaign_state(app, campaign_id)["job_id"]
    worker, log = start_worker(app, tmp_path, "killed", **_mail_env(smtp))
    deadline = time.monotonic() + 120
    while len(smtp.inbox.received) < 13:  # the second batch is half sent
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "nothing arrived:\n" + log.read_text()[-3000:]
        time.sleep(0.02)
    kill(worker)

    with app.app_context():
        in_flight = set(db.session.scalars(select(Recipient.email).where(
            Recipient.campaign_id == campaign_id, Recipient.status == SENDING_ROW)))
        assert db.session.get(Job, job_id).status == Job.STARTED  # stranded
    assert len(in_flight) == 10  # exactly the batch in flight
    before = Counter(deliveries(smtp))

    time.sleep(2.5)  # its heartbeat goes stale
    smtp.inbox.delay = 0
    worker, log = start_worker(app, tmp_path, "next", **_mail_env(smtp))
    try:
        job = wait_for_job(app, job_id, worker, log, timeout=120)
    finally:
        stop(worker, log)
    assert job.status == Job.FINISHED and job.attempts == 2, job.error

    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": N} and state["sent"] == N
    got = deliveries(smtp)
    assert set(got) == {f"person{i}@example.org" for i in range(N)}  # no one lost
    duplicates = {address for address, count in got.items() if count > 1}
    assert duplicates <= in_flight  # only what was in flight came twice ...
    assert duplicates == {a for a in in_flight if before[a]}  # ... and only what had arrived before the kill
    assert all(count <= 2 for count in got.values())
    assert 0 < len(duplicates) < 10


def test_redis_restarting_mid_send_loses_no_one_and_sends_no_one_twice(app, smtp, monkeypatch):
    campaign_id = make_campaign(app, 8, send_batch_size=3)
    redis = app.extensions["steward"].redis
    real, calls = send_job.throttle.take, []

    def take(connection, options, now=None):
        calls.append(1)
        if len(calls) == 5:  # the second batch, its second message: Redis goes away and comes back empty
            redis.flushdb()
            raise RedisConnectionError("Connection refused")
        return real(connection, options, now)

    monkeypatch.setattr(send_job.throttle, "take", take)
    run_jobs(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sending" and state["rows"] == {"sent": 4, "queued": 4}
    with app.app_context():
        waiting = db.session.get(Job, state["job_id"])
        assert waiting.status == Job.QUEUED and "Redis" in waiting.message
    redis.flushdb()  # the restart finishes: the continuation pushed meanwhile is gone too

    with app.app_context():
        assert recover.restart_stranded() == {"handed": [], "pushed": [campaign_id]}
        assert recover.restart_stranded() == {"handed": [], "pushed": []}  # now waiting in RQ: left alone
    run_jobs(app)
    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": 8}
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(8)}


@pytest.mark.parametrize("fate", [Job.FAILED, "missing"])
def test_a_campaign_left_sending_without_a_job_is_handed_to_a_new_one(app, smtp, fate):
    campaign_id = make_campaign(app, 3)
    with app.app_context():
        old = campaign_state(app, campaign_id)["job_id"]
        if fate == "missing":
            db.session.execute(db.update(send_job.Campaign).values(job_id=None))
        else:
            db.session.get(Job, old).status = Job.FAILED
        db.session.commit()
        app.extensions["steward"].redis.flushdb()
        assert recover.restart_stranded() == {"handed": [campaign_id], "pushed": []}
        assert campaign_state(app, campaign_id)["job_id"] != old
    run_all(app)
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(3)}


def test_the_watch_looks_every_minute_while_sending_and_daily_when_idle(app, smtp):
    from datetime import timedelta

    from app import schedules
    from app.models import ScheduleState
    from app.models.base import utcnow

    with app.app_context():
        assert schedules.run_due(only="marketing.sending_watch") == {
            "marketing.sending_watch": "0 handed to a new job, 0 sent to RQ again"}
        row = db.session.get(ScheduleState, "marketing.sending_watch")
        assert row.next_run_at > utcnow() + timedelta(hours=23)  # nothing sends: an idle worker stays light
    campaign_id = make_campaign(app, 2)  # starting a send wakes it
    with app.app_context():
        db.session.expire_all()
        row = db.session.get(ScheduleState, "marketing.sending_watch")
        assert row.next_run_at < utcnow() + timedelta(minutes=3)
        schedules.run_due(only="marketing.sending_watch")
        db.session.expire_all()
        row = db.session.get(ScheduleState, "marketing.sending_watch")
        assert row.next_run_at < utcnow() + timedelta(minutes=2)  # every minute while it sends
    run_all(app)
    assert campaign_state(app, campaign_id)["status"] == "sent"
