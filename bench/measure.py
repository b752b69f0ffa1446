"""Driving one scenario: a warm-up, then the measured run, each tagged so
the access log tells them apart."""

from __future__ import annotations

from pathlib import Path

from bench import wrk
from bench.scenarios import Scenario
from bench.settings import Settings
from bench.stats import summary


def drive(base_url: str, scenario: Scenario, cookie: str, settings: Settings, run_dir: Path) -> dict:
    """wrk's client-side figures for the measured run of `scenario`."""
    headers = {**({"Cookie": cookie} if cookie else {}), **scenario.headers}
    paths_file = run_dir / f"paths-{scenario.key}.txt"
    if settings.warmup > 0:
        wrk.run(base_url, scenario.paths, f"{scenario.key}/warmup", settings.warmup, headers, paths_file)
    print(f"bench: {scenario.title} …", end=" ", flush=True)
    client = wrk.run(base_url, scenario.paths, scenario.key, settings.duration, headers, paths_file)
    print(f"{client['rps']:,.0f} req/s, client p95 {client['p95']} ms", flush=True)
    return client


def server_side(parsed: dict[str, dict], key: str) -> dict:
    """Server-side percentiles of the measured run, and any status other than 200."""
    entry = parsed.get(key, {"ms": [], "statuses": {}})
    return {**summary(entry["ms"]), "statuses": entry["statuses"]}
