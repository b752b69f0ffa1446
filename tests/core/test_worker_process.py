"""`flask worker` as the service runs it: after start-up it becomes the light
waiting process of app/rq_worker.py (same process id), each job still runs
with the whole app in RQ's work horse, and delayed jobs still come due."""

from __future__ import annotations

import json
import os
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


def test_flask_worker_becomes_the_light_worker_and_runs_jobs_with_the_app(app, tmp_path):
    if "hello" not in app.extensions["steward"].installed:
        pytest.fail("the steward-hello test plugin is not installed: run `make test`")
    from steward_hello.services import add

    with app.app_context():
        add("Hello from the worker test")
        job = enqueue("hello.count_greetings", "Count greetings")
        # Delayed jobs (mail retries) reach the queue through RQ's scheduler, a thread of the worker.
        later = enqueue("hello.count_greetings", "Count greetings later", delay=timedelta(seconds=1))
        db.session.commit()
        job_id, later_id = job.id, later.id
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(STEWARD_INSTANCE=app.instance_path, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=app.extensions["steward"].redis_url, STEWARD_ENV="development")
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        for waited in (job_id, later_id):
            job = _wait_for_job(app, waited, worker, log)
            assert (job.status, job.result) == ("finished", {"greetings": 1, "longest": 26}), job.error
        # The same process (what systemd and `make run` watch) now runs the light worker.
        assert psutil.Process(worker.pid).cmdline()[1:] == ["-m", "app.rq_worker"]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert worker.returncode == 0, log.read_text()
