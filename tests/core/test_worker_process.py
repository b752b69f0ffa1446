"""`flask worker` as the service runs it: after start-up it becomes the light
waiting process of app/rq_worker.py (same process id), which loads the app
once, on the first job, and forks every job's work horse from it; after
WORKER_IDLE_RELOAD seconds without a job it becomes the light process again.
Delayed jobs still come due, and a stop signal stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from app.extensions import db
from app.jobs import enqueue
from app.jobs.service import QUEUE_NAME
from app.models import Job
from app.rq_worker import QUEUE_NAME as WORKER_QUEUE

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


def _wait_for_job(app, job_id: int, worker: subprocess.Popen, log: Path) -> Job:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job.status in (Job.FINISHED, Job.FAILED):
                db.session.expunge(job)
                return job
        assert worker.poll() is None, log.read_text()
        time.sleep(0.2)
    pytest.fail("the worker did not run the job:\n" + log.read_text()[-3000:])


LOADED = "app loaded; jobs now start at once"
WENT_LIGHT = "going back to the light process"


def _start_worker(app, tmp_path, **extra_env) -> tuple[subprocess.Popen, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(STEWARD_INSTANCE=app.instance_path, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=app.extensions["steward"].redis_url, STEWARD_ENV="development", **extra_env)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    return worker, log


def _wait_for_log(text: str, count: int, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while log.read_text().count(text) < count:
        assert worker.poll() is None, log.read_text()
        if time.monotonic() > deadline:
            pytest.fail(f"the worker never logged {text!r} {count} time(s):\n" + log.read_text()[-3000:])
        time.sleep(0.2)


def _stop(worker: subprocess.Popen, log: Path, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        pytest.fail("the worker did not stop on its signal:\n" + log.read_text()[-3000:])


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
    worker, log = _start_worker(app, tmp_path)
    try:
        for waited in ids:
            job = _wait_for_job(app, waited, worker, log)
            assert (job.status, job.result) == ("finished", {"greetings": 1, "longest": 26}), job.error
        # The same process (what systemd and `make run` watch) runs the light worker,
        # which loaded the app once, for the first job, and forked every job's horse from it.
        assert psutil.Process(worker.pid).cmdline()[1:] == ["-m", "app.rq_worker"]
        assert log.read_text().count(LOADED) == 1
        assert WENT_LIGHT not in log.read_text()  # the default idle time is minutes
    finally:
        _stop(worker, log)
    assert worker.returncode == 0, log.read_text()


def test_an_idle_worker_goes_light_again_and_still_runs_jobs(app, tmp_path):
    _require_hello(app)
    from steward_hello.services import add

    with app.app_context():
        add("Hello from the worker test")
        first = enqueue("hello.count_greetings", "Count greetings")
        db.session.commit()
        first_id = first.id
    worker, log = _start_worker(app, tmp_path, WORKER_IDLE_RELOAD="1")
    try:
        assert _wait_for_job(app, first_id, worker, log).status == Job.FINISHED
        _wait_for_log(WENT_LIGHT, 1, worker, log)
        # It execs itself (same pid) into the light process, which starts a new RQ worker.
        _wait_for_log(f"started with PID {worker.pid}", 2, worker, log)
        assert psutil.Process(worker.pid).cmdline()[1:] == ["-m", "app.rq_worker"]
        with app.app_context():
            again = enqueue("hello.count_greetings", "Count greetings after going light")
            db.session.commit()
            again_id = again.id
        job = _wait_for_job(app, again_id, worker, log)
        assert (job.status, job.result) == ("finished", {"greetings": 1, "longest": 26}), job.error
        assert log.read_text().count(LOADED) == 2  # loaded again for the job after going light
    finally:
        _stop(worker, log, signal.SIGINT)
    assert worker.returncode == 0, log.read_text()


def test_a_worker_holding_the_app_stops_cleanly_on_sigterm(app, tmp_path):
    _require_hello(app)
    with app.app_context():
        job = enqueue("hello.count_greetings", "Count greetings")
        db.session.commit()
        job_id = job.id
    worker, log = _start_worker(app, tmp_path)
    try:
        assert _wait_for_job(app, job_id, worker, log).status == Job.FINISHED
        assert LOADED in log.read_text()
    finally:
        _stop(worker, log)
    assert worker.returncode == 0, log.read_text()
    assert "warm shut down requested" in log.read_text()
