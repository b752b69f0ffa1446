"""Recurring schedules (app/schedules.py): a due schedule runs once, never
twice at once, backs off when it fails, sleeps till the time it asks for and
wakes on demand; the light worker's heartbeat queues the tick only when the
one Redis key says something is due; a real `flask worker` runs it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import current_app
from rq import Queue

from app import rq_worker, schedules, settings
from app.extensions import db
from app.models import AuditEntry, ScheduleState
from app.models.base import utcnow
from app.registry import Schedule
from tests.conftest import csrf_from
from tests.workers import start_worker, stop, wait_for_log


@pytest.fixture
def declared(app):
    """Declare schedules on the running app as a module's manifest would; removed afterwards."""
    state = app.extensions["steward"]
    added: list[str] = []

    def declare(name: str, run, every: int = 60) -> Schedule:
        schedule = Schedule(name, name.replace(".", " ").capitalize(), run, every)
        state.schedules[name] = schedule
        added.append(name)
        return schedule

    yield declare
    for name in added:
        state.schedules.pop(name, None)


def _state(name: str) -> ScheduleState:
    db.session.expire_all()
    return db.session.get(ScheduleState, name)


def test_a_due_schedule_runs_once_and_comes_back_after_its_interval(ctx, declared):
    calls = []
    declared("test.count", lambda: calls.append(1) or f"call {len(calls)}", every=300)
    start = utcnow()
    assert schedules.run_due(start)["test.count"] == "call 1"
    assert schedules.run_due(start + timedelta(seconds=10)).get("test.count") is None
    assert len(calls) == 1
    row = _state("test.count")
    assert (row.runs, row.last_outcome, row.running_since, row.last_error) == (1, "call 1", None, None)
    assert row.next_run_at == start + timedelta(seconds=300)
    assert schedules.run_due(start + timedelta(seconds=301))["test.count"] == "call 2"
    assert len(calls) == 2


def test_a_schedule_is_never_run_twice_at_once(ctx, declared):
    inner = []

    def run():
        # While it runs, another worker's tick (here: a nested one) must leave it alone.
        inner.append(schedules.run_due(utcnow() + timedelta(minutes=5)))  # due again, still held
        return "outer"

    declared("test.slow", run)
    assert schedules.run_due()["test.slow"] == "outer"
    assert len(inner) == 1 and "test.slow" not in inner[0]  # other modules' schedules may fall due meanwhile
    assert _state("test.slow").runs == 1


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(ctx, declared):
    calls = []
    declared("test.orphan", lambda: calls.append(1))
    now = utcnow()
    schedules.run_due(now)
    row = _state("test.orphan")
    row.running_since, row.next_run_at = now, now  # a worker claimed it and died
    db.session.commit()
    assert "test.orphan" not in schedules.run_due(now + timedelta(minutes=5))
    assert "test.orphan" in schedules.run_due(now + schedules.LEASE + timedelta(seconds=1))
    assert len(calls) == 2


def test_a_failing_schedule_records_why_backs_off_and_lets_the_others_run(ctx, declared):
    attempts, others = [], []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError("imap.example.org refused the connection")
        return "polled"

    declared("test.flaky", flaky, every=60)
    declared("test.other", lambda: others.append(1))
    start = utcnow()
    done = schedules.run_due(start)
    assert done["test.flaky"] == "failed: ConnectionRefusedError: imap.example.org refused the connection"
    assert others == [1]
    row = _state("test.flaky")
    assert row.failures_in_a_row == 1 and "ConnectionRefusedError" in row.last_error
    assert row.next_run_at == start + timedelta(seconds=120)  # twice the interval
    second = start + timedelta(seconds=120)
    schedules.run_due(second)
    assert _state("test.flaky").next_run_at == second + timedelta(seconds=240)
    third = second + timedelta(seconds=240)
    assert schedules.run_due(third)["test.flaky"] == "polled"
    row = _state("test.flaky")
    assert (row.failures_in_a_row, row.last_error, row.next_run_at) == (0, None, third + timedelta(seconds=60))
    assert len(attempts) == 3


def test_a_schedule_sleeps_till_the_time_it_asks_for_and_wake_brings_it_forward(app, ctx, declared):
    friday = utcnow() + timedelta(days=3)
    declared("test.campaigns", lambda: schedules.Ran("nothing due", friday))
    now = utcnow()
    schedules.run_due(now)
    assert _state("test.campaigns").next_run_at == friday
    redis = app.extensions["steward"].redis
    # The key says the earliest of the enabled schedules (hello's and the core's run daily).
    earliest = min(db.session.scalars(db.select(ScheduleState.next_run_at)))
    assert earliest < friday
    assert float(redis.get(schedules.NEXT_DUE_KEY)) == earliest.timestamp()
    soon = now + timedelta(minutes=5)
    schedules.wake("test.campaigns", soon)  # a campaign was scheduled for then
    db.session.commit()
    assert _state("test.campaigns").next_run_at == soon
    assert float(redis.get(schedules.NEXT_DUE_KEY)) == pytest.approx(soon.timestamp())
    assert schedules.run_due(soon)["test.campaigns"] == "nothing due"


def test_the_light_workers_heartbeat_queues_the_tick_only_when_something_is_due(app, ctx, declared):
    assert (rq_worker.NEXT_DUE_KEY, rq_worker.TICK_RQ_ID) == (schedules.NEXT_DUE_KEY, schedules.TICK_RQ_ID)
    redis = app.extensions["steward"].redis
    queue = Queue(rq_worker.QUEUE_NAME, connection=redis)
    redis.set(schedules.NEXT_DUE_KEY, time.time() + 600)
    rq_worker._beat(redis, queue, "test-worker", lost_after=60)
    assert schedules.TICK_RQ_ID not in queue.job_ids
    redis.delete(schedules.NEXT_DUE_KEY)  # a Redis that lost its data: look
    rq_worker._beat(redis, queue, "test-worker", lost_after=60)
    rq_worker._beat(redis, queue, "test-worker", lost_after=60)
    assert queue.job_ids.count(schedules.TICK_RQ_ID) == 1
    queue.empty()


def test_a_real_worker_runs_a_due_schedule_by_itself(app, tmp_path):
    from steward_hello.models import Greeting


    worker, log = start_worker(app, tmp_path, WORKER_HEARTBEAT="1")
    try:
        wait_for_log("Job OK (steward-schedules-tick)", 1, worker, log)
        time.sleep(3)  # three more heartbeats: nothing more is due
    finally:
        stop(worker, log)
    assert log.read_text().count("Job OK (steward-schedules-tick)") == 1
    with app.app_context():
        assert (settings.get("hello", "last_good_morning") or "").startswith(utcnow().date().isoformat())
        assert db.session.scalars(db.select(Greeting.text)).all() == []  # a schedule that adds nothing else
        row = db.session.get(ScheduleState, "hello.good_morning")
        assert row.runs == 1 and row.next_run_at > utcnow() + timedelta(hours=23)
        # The next look is when the soonest schedule falls due (other modules' run every minute or
        # more), not at every heartbeat: the worker stays light meanwhile.
        soonest = min(r.next_run_at for r in db.session.scalars(db.select(ScheduleState)))
        next_look = float(current_app.extensions["steward"].redis.get(schedules.NEXT_DUE_KEY))
        assert soonest > utcnow() and abs(next_look - soonest.timestamp()) < 1


def test_flask_schedules_list_and_run(app, ctx, declared):
    calls = []
    declared("test.cli", lambda: calls.append(1) or "ran from the command line", every=3600)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["schedules", "run", "test.cli"])
    assert result.exit_code == 0, result.output
    assert "test.cli: ran from the command line" in result.output and calls == [1]
    listed = runner.invoke(args=["schedules", "list"]).output
    assert "test.cli  every 3600s  last " in listed and "ran from the command line" in listed
    assert "hello.good_morning  every 86400s  last never  next now" in listed
    missing = runner.invoke(args=["schedules", "run", "nope"])
    assert missing.exit_code != 0 and "no enabled schedule is called 'nope'" in missing.output


def test_admin_jobs_lists_recurring_work_and_run_now_brings_it_forward(app, admin_client, declared):
    with app.app_context():
        declared("test.page", lambda: "polled the bounce mailbox", every=600)
        schedules.run_due(only="test.page")
    page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert "Recurring work" in page and "Test page" in page and "every 10 min" in page
    assert "polled the bounce mailbox" in page
    response = admin_client.post("/admin/jobs/schedules/test.page/run",
                                 data={"csrf_token": csrf_from(admin_client, "/admin/jobs")})
    assert response.status_code == 303
    with app.app_context():
        assert _state("test.page").next_run_at <= utcnow()
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "core_schedule")).one()
        assert entry.summary == "Asked to run “Test page” now"
    assert admin_client.post("/admin/jobs/schedules/nope/run",
                             data={"csrf_token": csrf_from(admin_client, "/admin/jobs")}).status_code == 404
