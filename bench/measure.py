"""Driving one scenario: a warm-up, then the measured run, each tagged so
the access log tells them apart."""

from __future__ import annotations

import time
from pathlib import Path

import psutil

from bench import wrk
from bench.scenarios import Scenario
from bench.settings import Settings
from bench.stats import summary


def _busy_seconds(master_pid: int) -> float:
    """CPU seconds used so far by the gunicorn master and its workers."""
    total = 0.0
    try:
        master = psutil.Process(master_pid)
        for process in (master, *master.children()):
            times = process.cpu_times()
            total += times.user + times.system
    except psutil.NoSuchProcess:
        pass
    return total


def settle(access_log: Path, master_pid: int, every: float = 0.5, limit: float = 120.0) -> None:
    """Wait until the server has finished what wrk left in flight, so no run
    starts behind the last one's queue (sync workers still serve requests
    whose client has gone): until, over half a second, the access log stays
    the same and the workers use next to no CPU."""
    deadline = time.monotonic() + limit
    before = (-1, -1.0)
    while time.monotonic() < deadline:
        now = (access_log.stat().st_size if access_log.exists() else 0, _busy_seconds(master_pid))
        if now[0] == before[0] and now[1] - before[1] < 0.02:
            return
        before = now
        time.sleep(every)


def drive(scenario: Scenario, cookie: str, settings: Settings, run_dir: Path,
          server) -> dict:
    """wrk's client-side figures for the measured run of `scenario` against
    `server` (a bench.servers.Gunicorn)."""
    headers = {**({"Cookie": cookie} if cookie else {}), **scenario.headers}
    paths_file = run_dir / f"paths-{scenario.key}.txt"
    if settings.warmup > 0:
        wrk.run(server.base_url, scenario.paths, f"{scenario.key}/warmup", settings.warmup, headers, paths_file)
        settle(server.access_log, server.pid)
    print(f"bench: {scenario.title} …", end=" ", flush=True)
    client = wrk.run(server.base_url, scenario.paths, scenario.key, settings.duration, headers, paths_file)
    settle(server.access_log, server.pid)
    errors = f", errors {client['errors']}" if client["errors"] else ""
    print(f"{client['rps']:,.0f} req/s, client p95 {client['p95']} ms{errors}", flush=True)
    return client


def server_side(parsed: dict[str, dict], key: str) -> dict:
    """Server-side percentiles of the measured run, and any status other than 200."""
    entry = parsed.get(key, {"ms": [], "statuses": {}})
    return {**summary(entry["ms"]), "statuses": entry["statuses"]}
