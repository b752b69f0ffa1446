"""The sending of due steps in a real `flask worker` (the schedule queues
the job; the worker runs it), and that worker SIGKILLed mid-batch: after
the claims' lease the next run sends what was left, and at most the one
message on the wire at the kill arrives twice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from modules.marketing.campaign_models import SENDING_ROW, SENT_ROW, Recipient
from modules.marketing.sequences import schedule
from modules.marketing.sequences.sending import LEASE
from tests.modules.marketing.sequences.helpers import enrol_at, enrolments, make_sequence, people, send
from tests.workers import kill, start_worker, stop, wait_for_job

N = 30
FAST_BEATS = {"WORKER_HEARTBEAT": "1", "WORKER_LOST_AFTER": "2"}


def _mail_env(smtp) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), **FAST_BEATS}


def _queue(app) -> int:
    with app.app_context():
        ran = schedule.run()
        assert ran.summary == "Queued the sending of due sequence steps"
        assert schedule.run().summary == "Due sequence steps are being sent"  # one job at a time
        return db.session.scalar(select(Job.id).where(Job.kind == schedule.KIND))


def _by_address(smtp) -> Counter:
    return Counter(a for r in smtp.inbox.received for a in r.rcpt_tos)


def test_the_schedule_queues_a_job_that_a_real_worker_runs(app, smtp, tmp_path):
    sequence_id, topic_id = make_sequence(app, step_list=[(0, "Hello {{ contact.first_name }}", "Hi")])
    ids = people(app, 4, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(days=2))
    job_id = _queue(app)
    worker, log = start_worker(app, tmp_path, "steps", **_mail_env(smtp))
    try:
        job = wait_for_job(app, job_id, worker, log)
    finally:
        stop(worker, log)
    assert job.status == Job.FINISHED, job.error
    assert job.result["sent"] == 4
    assert _by_address(smtp) == {f"person{i}@example.org": 1 for i in range(4)}
    assert set(enrolments(app, sequence_id).values()) == {("finished", 1, "")}
    with app.app_context():  # nothing left: the schedule sleeps
        assert schedule.run().summary == "No sequence step is waiting"


def test_a_worker_killed_mid_batch_resends_at_most_the_message_in_flight(app, smtp, tmp_path):
    sequence_id, topic_id = make_sequence(app, step_list=[(0, "Hello {{ contact.first_name }}", "Hi")],
                                          send_batch_size=10)
    ids = people(app, N, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(days=2))
    smtp.inbox.delay = 0.15  # slow enough to be caught mid-batch
    _queue(app)
    worker, log = start_worker(app, tmp_path, "killed", **_mail_env(smtp))
    deadline = time.monotonic() + 120
    while len(smtp.inbox.received) < 13:  # the second batch is under way
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "nothing arrived:\n" + log.read_text()[-3000:]
        time.sleep(0.02)
    kill(worker)
    time.sleep(0.5)  # the server finishes the DATA it was given

    before = _by_address(smtp)
    with app.app_context():
        unsettled = set(db.session.scalars(select(Recipient.email).where(Recipient.status == SENDING_ROW)))
        settled = set(db.session.scalars(select(Recipient.email).where(Recipient.status == SENT_ROW)))
    assert 0 < len(unsettled) <= 10  # only the batch that was in flight
    assert settled <= set(before) and len(settled) >= 12  # each message settled as it went
    arrived_unsettled = {a for a in unsettled if before[a]}
    assert len(arrived_unsettled) <= 1  # the one on the wire when the worker died

    smtp.inbox.delay = 0
    # A run now sends those never claimed; the dead run's claims hold until their lease ends.
    assert send(app).sent == N - len(settled) - len(unsettled)
    assert unsettled.isdisjoint(_by_address(smtp) - before)
    late = send(app, utcnow() + LEASE + timedelta(minutes=1))
    assert late.sent == len(unsettled)

    got = _by_address(smtp)
    assert set(got) == {f"person{i}@example.org" for i in range(N)}  # no one lost
    duplicates = {a for a, n in got.items() if n > 1}
    assert duplicates == arrived_unsettled and all(n <= 2 for n in got.values())
    assert set(enrolments(app, sequence_id).values()) == {("finished", 1, "")}
