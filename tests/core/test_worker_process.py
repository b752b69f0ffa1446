"""`flask worker` as the service runs it: after start-up it becomes the light
waiting process of app/rq_worker.py (same process id), which loads the app
once, on the first job, and forks every job's work horse from it; after
WORKER_IDLE_RELOAD seconds without a job it becomes the light process again.
Delayed jobs still come due, and a stop signal stops it cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from app.extensions import db
from app.jobs import enqueue
from app.jobs.service import QUEUE_NAME
from app.models import Job
from app.rq_worker import QUEUE_NAME as WORKER_QUEUE
from tests.workers import start_worker, stop, wait_for_job, wait_for_log

ROOT = Path(__file__).resolve().parents[2]


def test_the_light_worker_listens_on_the_queue_jobs_are_sent_to():
    assert WORKER_QUEUE == QUEUE_NAME


def test_the_light_worker_imports_neither_flask_nor_sqlalchemy():
    code = ("import json, sys\nimport app.rq_worker\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert "rq" in loaded and "redis" in loaded
    assert [name for name in ("flask", "sqlalchemy", "jinja2", "werkzeug") if name in loaded] == []


LOADED = "app loaded; jobs now start at once"
WENT_LIGHT = "going back to the light process"


def _require_hello(app) -> None:
    if "hello" not in app.extensions["steward"].installed:
        pytest.fail("the steward-hello test plugin is not installed: run `make test`")


def test_flask_worker_becomes_the_light_worker_and_runs_jobs_with_the_app(app, tmp_path):
    _require_hello(app)
    from steward_hello.services import add

    with app.app_context():
        add("Hello from the worker test")
        job = enqueue("hello.count_greetings", "Count greetings")
        second = enqueue("hello.count_greetings", "Count greetings again")
        # Delayed jobs (mail retries) reach the queue through RQ's scheduler, a thread of the worker.
        later = enqueue("hello.count_greetings", "Count greetings later", delay=timedelta(seconds=1))
        db.session.commit()
        ids = [job.id, second.id, later.id]
    worker, log = start_worker(app, tmp_path)
    try:
        for waited in ids:
            job = wait_for_job(app, waited, worker, log)
            assert (job.status, job.result) == ("finished", {"greetings": 1, "longest": 26}), job.error
        # The same process (what systemd and `make run` watch) runs the light worker,
        # which loaded the app once, for the first job, and forked every job's horse from it.
        assert psutil.Process(worker.pid).cmdline()[1:] == ["-m", "app.rq_worker"]
        assert log.read_text().count(LOADED) == 1
        assert WENT_LIGHT not in log.read_text()  # the default idle time is minutes
    finally:
        stop(worker, log)
    assert worker.returncode == 0, log.read_text()


def test_an_idle_worker_goes_light_again_and_still_runs_jobs(app, tmp_path):
    _require_hello(app)
    from steward_hello.services import add

    with app.app_context():
        add("Hello from the worker test")
        first = enqueue("hello.count_greetings", "Count greetings")
        db.session.commit()
        first_id = first.id
    worker, log = start_worker(app, tmp_path, WORKER_IDLE_RELOAD="1")
    try:
        assert wait_for_job(app, first_id, worker, log).status == Job.FINISHED
        wait_for_log(WENT_LIGHT, 1, worker, log)
        # It execs itself (same pid) into the light process, which starts a new RQ worker.
        wait_for_log(f"started with PID {worker.pid}", 2, worker, log)
        assert psutil.Process(worker.pid).cmdline()[1:] == ["-m", "app.rq_worker"]
        with app.app_context():
            again = enqueue("hello.count_greetings", "Count greetings after going light")
            db.session.commit()
            again_id = again.id
        job = wait_for_job(app, again_id, worker, log)
        assert (job.status, job.result) == ("finished", {"greetings": 1, "longest": 26}), job.error
        assert log.read_text().count(LOADED) == 2  # loaded again for the job after going light
    finally:
        stop(worker, log, signal.SIGINT)
    assert worker.returncode == 0, log.read_text()


def test_a_worker_holding_the_app_stops_cleanly_on_sigterm(app, tmp_path):
    _require_hello(app)
    with app.app_context():
        job = enqueue("hello.count_greetings", "Count greetings")
        db.session.commit()
        job_id = job.id
    worker, log = start_worker(app, tmp_path)
    try:
        assert wait_for_job(app, job_id, worker, log).status == Job.FINISHED
        assert LOADED in log.read_text()
    finally:
        stop(worker, log)
    assert worker.returncode == 0, log.read_text()
    assert "warm shut down requested" in log.read_text()


def test_the_light_worker_queues_the_sweep_the_app_runs():
    from app.jobs.stranded import SWEEP_RQ_ID
    from app.rq_worker import SWEEP_RQ_ID as WORKER_SWEEP

    assert WORKER_SWEEP == SWEEP_RQ_ID


def test_a_stop_signal_during_a_job_does_not_wait_for_the_scheduler_thread(app):
    """RQ's stop-signal handler runs in the main thread wherever the signal
    caught it; had it waited there for the scheduler thread (which may need a
    lock the main thread holds), the stop stalled: CI saw a worker take over
    30 s to stop. The handler only asks the thread to stop."""
    import threading
    import time

    from redis import Redis
    from rq import Queue
    from rq.worker import WorkerStatus

    from app.rq_worker import AppWorker, ThreadScheduler

    connection = Redis.from_url(app.extensions["steward"].redis_url)
    worker = AppWorker([Queue(WORKER_QUEUE, connection=connection)], connection=connection)
    worker.scheduler = ThreadScheduler(worker.queues, connection=connection)
    stuck = threading.Event()
    worker.scheduler._process = threading.Thread(target=stuck.wait, daemon=True)  # a thread that cannot finish yet
    worker.scheduler._process.start()
    worker._state = WorkerStatus.BUSY  # a horse is running a job
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        started = time.monotonic()
        worker.request_stop(signal.SIGTERM, None)
        assert time.monotonic() - started < 5
        assert worker._stop_requested and worker.scheduler._stop_requested
    finally:
        stuck.set()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        connection.close()
