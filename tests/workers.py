"""A real `flask worker` for tests: started as a process on the test app's
database and Redis, waited on, stopped by a signal or killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.extensions import db
from app.models import Job

ROOT = Path(__file__).resolve().parents[1]


def start_worker(app, tmp_path, name: str = "worker", **extra_env) -> tuple[subprocess.Popen, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(STEWARD_INSTANCE=app.instance_path, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=app.extensions["steward"].redis_url, STEWARD_ENV="development", **extra_env)
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    return worker, log


def wait_for_job(app, job_id: int, worker: subprocess.Popen, log: Path, timeout: float = 90) -> Job:
    """The job once it finished or failed (detached from the session)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job.status in (Job.FINISHED, Job.FAILED):
                db.session.expunge(job)
                return job
        assert worker.poll() is None, log.read_text()
        time.sleep(0.2)
    pytest.fail("the worker did not run the job:\n" + log.read_text()[-3000:])


def wait_for_log(text: str, count: int, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while log.read_text().count(text) < count:
        assert worker.poll() is None, log.read_text()
        if time.monotonic() > deadline:
            pytest.fail(f"the worker never logged {text!r} {count} time(s):\n" + log.read_text()[-3000:])
        time.sleep(0.2)


def stop(worker: subprocess.Popen, log: Path, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        pytest.fail("the worker did not stop on its signal:\n" + log.read_text()[-3000:])


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and the work horse running its job, by pid, as the
    kernel's out-of-memory killer or a `systemctl kill` would: neither gets
    to say anything."""
    processes = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]
    for process in processes:
        os.kill(process.pid, signal.SIGKILL)
    psutil.wait_procs(processes, timeout=10)
    worker.wait(timeout=10)
