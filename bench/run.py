"""One `make bench` run, start to end.

1. seed (or reuse) the database; 2. find the pages to request; 3. start
Redis (embedded unless REDIS_URL), the RQ worker and gunicorn as in
production, and sign in; 4. idle memory, list page size; 5. the hello app,
then every page under wrk with peak memory sampled; 6. server-side
percentiles from the access log; 7. optional profiles; 8. stop the servers,
time a CSV import from the command line, a campaign's send rate
(bench/send_rate.py), a campaign's audience freeze (bench/freeze.py) and
the helpdesk's ingest of a Maildir corpus (bench/ingest.py); 9. write the
reports.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import (
    accesslog,
    database,
    freeze,
    import_csv,
    ingest,
    machine,
    measure,
    memory,
    report,
    scenarios,
    send_rate,
    servers,
    wrk,
)
from bench.markdown import DB_NAMES, section
from bench.session import fetch, sign_in
from bench.settings import BUILD, ROOT, WRK_CONNECTIONS, WRK_THREADS, Settings, load, shown
from bench.targets import latency_check, other_checks, tier


def _discover(env: dict, settings: Settings, run_dir) -> dict:
    out = run_dir / "discovered.json"
    wanted = import_csv.rows_to_match(settings.import_rows)
    done = subprocess.run([sys.executable, "-m", "bench.discover", str(out), str(wanted)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.discover failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return json.loads(out.read_text())


def _check_pages(base_url: str, cookie: str, pages: list[scenarios.Scenario]) -> int:
    """Every page answers 200 before it is measured; returns the list page's HTML size."""
    for scenario in pages:
        for path in dict.fromkeys(scenario.paths[:3]):
            status, _ = fetch(base_url, path, cookie, scenario.headers)
            if status != 200:
                raise RuntimeError(f"{scenario.title}: GET {path} answered {status}, expected 200")
    status, body = fetch(base_url, "/contacts/", cookie)
    return len(body)


def _hello(settings: Settings, run_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "BENCH_", "FLASK_"))}
    hello = servers.Gunicorn("bench.hello:app", env, run_dir, "hello")
    try:
        hello.wait_ready("/")
        page = scenarios.Scenario("hello", "Hello (bare Flask)", ["/"])
        client = measure.drive(page, "", settings, run_dir, hello)
    finally:
        hello.stop()
    return {"client": client, "server": measure.server_side(accesslog.read(hello.access_log), "hello")}


def _profile(env: dict, cookie: str, pages: list[scenarios.Scenario], run_dir) -> None:
    spec = run_dir / "profile.json"
    spec.write_text(json.dumps([{"key": s.key, "path": s.paths[0], "headers": s.headers, "cookie": cookie}
                                for s in pages]))
    subprocess.run([sys.executable, "-m", "bench.profile", str(spec), str(BUILD)], cwd=ROOT, env=env, check=True)


def _import(settings: Settings, found: dict, seed: dict, env: dict, log) -> dict:
    csv_path = BUILD / "import" / f"{seed['key']}-{settings.import_rows}-v{import_csv.VERSION}.csv"
    shape_path = csv_path.with_suffix(".json")
    if not shape_path.exists():
        shape = import_csv.write(csv_path, settings.import_rows, found["import_matches"], settings.seed)
        shape_path.write_text(json.dumps(shape))
    shape = json.loads(shape_path.read_text())
    print(f"bench: importing {shape['rows']:,} rows ({shape['matching_rows']:,} matching) from the command line…",
          flush=True)
    result = import_csv.run(csv_path, env, log, shape["rows"])
    print(f"bench: import {result['rows_per_s']:,} rows/s ({result['seconds']} s)", flush=True)
    return {**shape, **result}


def _send(settings: Settings, found: dict, env: dict, run_dir) -> dict | None:
    """The campaign send rate (bench/send_rate.py), when marketing is enabled."""
    if not settings.send_recipients or "marketing" not in found["modules"]:
        return None
    result = send_rate.measure(env, run_dir, settings.send_recipients)
    print(f"bench: sent {result['received']:,} messages at {result['messages_per_s']} per second; the work horse "
          f"peaked at {result['work_horse_peak_rss_mb']} MB RSS", flush=True)
    return result


def _freeze(settings: Settings, found: dict, env: dict, log) -> dict | None:
    """The audience freeze of a BENCH_FREEZE_RECIPIENTS campaign (bench/freeze.py)."""
    if not settings.freeze_recipients or "marketing" not in found["modules"]:
        return None
    print(f"bench: freezing the audience of a campaign of about {settings.freeze_recipients:,} recipients…",
          flush=True)
    result = freeze.measure(env, log, settings.freeze_recipients)
    print(f"bench: froze {result['recipients']:,} recipients in {result['seconds']} s", flush=True)
    return result


def _ingest(settings: Settings, seed: dict, env: dict, run_dir) -> dict | None:
    """The helpdesk's ingest rate over a Maildir corpus (bench/ingest.py)."""
    if not settings.ingest_messages:
        return None
    result = ingest.measure(env, run_dir, settings.ingest_messages, settings.seed, seed["key"])
    if result is not None:
        print(f"bench: ingested {result['messages']:,} messages at {result['messages_per_s']} per second", flush=True)
    return result


def _scenario_result(s: scenarios.Scenario, client: dict | None, parsed: dict, limits: dict,
                     hello_rps: float) -> dict:
    out = {"key": s.key, "title": s.title, "available": s.available, "note": s.note, "group": s.group,
           "paths": s.paths[:3], "headers": s.headers}
    if not s.available or client is None:
        return out
    server = measure.server_side(parsed, s.key)
    out.update(client=client, server=server, ratio_to_hello=round(client["rps"] / hello_rps, 3) if hello_rps else None,
               target=latency_check(limits, s.group, server["p95"]))
    bad = {k: v for k, v in server["statuses"].items() if k != "200"}
    if bad or client["errors"]:
        out["problems"] = {"statuses": bad, "wrk_errors": client["errors"]}
        if out["target"]:
            out["target"]["pass"] = False
    return out


def _result(settings: Settings, about: dict, started: datetime, seed: dict, found: dict,
            pages: list[scenarios.Scenario], measured: dict) -> dict:
    """The report: what ran where, and every figure with its target."""
    tier_found = tier(settings.dialect, found["contacts"])
    limits = tier_found[1] if tier_found else {}
    hello_rps = measured["hello"]["client"]["rps"]
    result = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "database": settings.dialect,
        "contacts": settings.contacts,
        "note": settings.note,
        "machine": about,
        "run": {"wrk_threads": WRK_THREADS, "wrk_connections": WRK_CONNECTIONS, "duration": settings.duration,
                "warmup": settings.warmup,
                "gunicorn": " ".join(servers.PRODUCTION_ARGS) + " (sync workers, as in docs/deploy.md)",
                "steward_env": "production", "modules": found["modules"]},
        "targets_tier": (f"the {tier_found[0]:,}-contact tier for {DB_NAMES[settings.dialect]}"
                         if tier_found else "none"),
        "seed": {k: v for k, v in seed.items() if k != "output"},
        "search_terms": found["search"],
        "gifts": found.get("gifts"),
        "gifts_per_contact": settings.gifts_per_contact,
        "hello": measured["hello"],
        "scenarios": [_scenario_result(s, measured["clients"].get(s.key), measured["parsed"], limits, hello_rps)
                      for s in pages],
        "import": measured["import"],
        "send": measured["send"],
        "freeze": measured["freeze"],
        "ingest": measured["ingest"],
        "campaign_history": (found.get("marketing") or {}).get("history"),
        "tickets": {k: (found.get("helpdesk") or {}).get(k) for k in ("tickets", "messages")},
        "memory": {"idle": measured["idle"], "load": measured["peak"]},
        "list_html_bytes": measured["html_bytes"],
    }
    result["checks"] = other_checks(result)
    return result


def _lock():
    """One run at a time per checkout: runs share build/bench/run/ and the CPU."""
    BUILD.mkdir(parents=True, exist_ok=True)
    handle = (BUILD / ".lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit("bench: another bench is running in this checkout (build/bench/.lock); "
                         "wait for it to finish") from None
    return handle


def main() -> None:
    settings = load()
    wrk.require()
    lock = _lock()  # noqa: F841 (held until the process exits)
    if settings.dialect == "other":
        raise SystemExit("bench: DATABASE_URL must be a postgresql:// URL (or unset for SQLite)")
    about = machine.describe()
    started = datetime.now(UTC)
    run_dir = BUILD / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    log = run_dir / "commands.log"
    secret = secrets.token_urlsafe(48)
    redis = None if settings.redis_url else servers.EmbeddedRedis(run_dir / "redis")
    redis_url = settings.redis_url or redis.url
    web = worker = None
    try:
        def env_for(instance):
            return servers.app_env(instance=instance, redis_url=redis_url, secret_key=secret,
                                   database_url=settings.database_url, modules=settings.modules)

        instance = run_dir / "instance"
        instance.mkdir()
        env = env_for(instance)
        if settings.dialect == "sqlite":
            seed = database.prepare_sqlite(settings, env_for, instance, log)
        else:
            seed = database.prepare_postgresql(settings, env, log)
        found = _discover(env, settings, run_dir)
        pages = scenarios.build(found)
        available = [s for s in pages if s.available]

        worker = servers.start_worker(env, run_dir / "worker.log")
        web = servers.Gunicorn("wsgi:app", env, run_dir, "steward")
        web.wait_ready("/healthz")
        cookie = sign_in(web.base_url, database.ADMIN_EMAIL, database.ADMIN_PASSWORD)
        html_bytes = _check_pages(web.base_url, cookie, available)
        groups = {"web": (web.pid, True), "rq": (worker.pid, True), "redis": (servers.redis_pid(redis_url), False)}
        time.sleep(2)
        idle = memory.snapshot(groups)
        print(f"bench: idle memory {idle['total']['pss']} MB PSS ({idle['total']['rss']} MB RSS)", flush=True)

        hello = _hello(settings, run_dir)
        clients = {}
        with memory.PeakSampler(groups) as sampler:
            for s in available:
                clients[s.key] = measure.drive(s, cookie, settings, run_dir, web)
        parsed = accesslog.read(web.access_log)
        if settings.profile:
            _profile(env, cookie, available, run_dir)
        web.stop()
        servers.stop(worker)
        imported = _import(settings, found, seed, env, log) if settings.import_rows else None
        # The send first: the ingest's acknowledgements wait in Redis for a
        # worker, and the send's worker would deliver them to the sink too.
        sent = _send(settings, found, env, run_dir)
        frozen = _freeze(settings, found, env, log)
        ingested = _ingest(settings, seed, env, run_dir) if "helpdesk" in found["modules"] else None
    finally:
        if web is not None:
            web.stop()
        servers.stop(worker)
        if redis is not None:
            redis.stop()

    measured = {"hello": hello, "clients": clients, "parsed": parsed, "idle": idle, "peak": sampler.peak,
                "html_bytes": html_bytes, "import": imported, "send": sent, "freeze": frozen, "ingest": ingested}
    result = _result(settings, about, started, seed, found, pages, measured)
    written = report.write(result)
    print("\n" + section(result) + "\n")
    for path in written:
        print(f"bench: wrote {shown(path)}")
    problems = [s["title"] for s in result["scenarios"] if s.get("problems")]
    if problems:
        raise SystemExit(f"bench: some requests failed (see build/bench/run/): {', '.join(problems)}")
