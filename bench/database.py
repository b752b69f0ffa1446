"""The seeded database a run measures.

SQLite: a pristine seeded copy is cached under build/bench/cache/, keyed by
size, seed, gifts per contact, the seed code and the enabled modules; each
run works on a fresh copy of it (the import changes the data). A cache
seeded under older migrations is upgraded once, as an install would be, and
the report says so. PostgreSQL: the database DATABASE_URL names is seeded
in place and kept as a database of the same server, which later runs copy
it from (bench/pgcache.py), upgraded the same way; a role without CREATEDB
seeds in place every run. A database that holds any data is wiped only with
BENCH_RESET=1.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path

import psycopg

from bench import machine, pgcache
from bench.cli import flask
from bench.settings import BUILD, ROOT, Settings, shown

ADMIN_EMAIL = "bench@example.org"
ADMIN_PASSWORD = "bench-password-not-secret"  # a throwaway account in a throwaway database


def enabled_modules(settings: Settings) -> list[str]:
    installed = sorted(ep.name for ep in entry_points(group="steward.modules"))
    if settings.modules:
        wanted = [m.strip() for m in settings.modules.split(",") if m.strip()]
        return [m for m in installed if m in wanted]
    return installed


def _digest(paths, digest=None) -> hashlib._Hash:
    digest = digest or hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest


SEED_HOOK = re.compile(r"^\s*seed(?:ed)?\s*=.*$", re.MULTILINE)


def seed_key(settings: Settings) -> str:
    """What the seeded data depends on, hashed: change any of it and the
    cache is seeded again. Not the migrations: a cache older than them is
    upgraded, as an install would be (`_upgrade`)."""
    digest = hashlib.sha256()
    digest.update(f"{settings.contacts}:{settings.seed}:{','.join(enabled_modules(settings))}".encode())
    digest.update(f":history{settings.campaign_history:g}".encode())
    digest.update(f":gifts{settings.gifts_per_contact}".encode())
    # The manifests' lines that name each module's seed hooks, wherever their code lives.
    for manifest in sorted(ROOT.glob("modules/*/__init__.py")):
        digest.update("\n".join(SEED_HOOK.findall(manifest.read_text(encoding="utf-8"))).encode())
    _digest({ROOT / "app" / "seed.py", *ROOT.glob("modules/*/**/*seed*.py"), ROOT / "bench" / "campaign_history.py"},
            digest)
    return digest.hexdigest()[:12]


def schema_key() -> str:
    """The migrations, hashed: a cached database seeded under others is upgraded before use."""
    return _digest({*ROOT.glob("migrations/versions/*.py"), *ROOT.glob("modules/*/migrations/*.py")}).hexdigest()[:12]


def _seed(env: dict, settings: Settings, log: Path) -> dict:
    """Migrate, seed (timed, the whole command) and add the bench's administrator."""
    flask(["db", "upgrade"], env, log)
    print(f"bench: seeding {settings.contacts:,} contacts (seed {settings.seed}, gifts topped up to "
          f"{settings.gifts_per_contact} a contact)…", flush=True)
    seed_env = {**env, "SEED_GIFTS_PER_CONTACT": str(settings.gifts_per_contact)}
    output, seconds = flask(["seed", "--contacts", str(settings.contacts), "--seed", str(settings.seed)], seed_env,
                            log)
    flask(["users", "create", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--role", "admin",
           "--name", "Bench"], env, log)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    print(f"bench: seeded in {seconds:.1f} s ({last})", flush=True)
    meta = {"seconds": round(seconds, 1), "cached": False, "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "output": last, "commit": machine.commit(), "schema": schema_key()}
    if settings.campaign_history > 0 and "marketing" in enabled_modules(settings):
        meta["campaign_history"] = _campaign_history(env, settings, log)
    return meta


def _campaign_history(env: dict, settings: Settings, log: Path) -> dict:
    """More past campaigns, up to BENCH_CAMPAIGN_HISTORY recipient rows per
    contact (bench/campaign_history.py); timed apart from the seed."""
    print(f"bench: adding past campaigns up to {settings.campaign_history:g} recipient rows per contact…", flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.campaign_history", f"{settings.campaign_history:g}",
                           str(settings.seed)], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ python -m bench.campaign_history  ({seconds:.1f} s, exit {done.returncode})\n"
                  f"{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(f"bench.campaign_history failed:\n{(done.stdout + done.stderr)[-3000:]}")
    result = {**json.loads(done.stdout.strip().splitlines()[-1]), "seconds": round(seconds, 1)}
    print(f"bench: {result['added']} past campaigns added in {seconds:.1f} s: {result['rows']:,} recipient rows",
          flush=True)
    return result


def _prune(cache: Path, keep: int = 2) -> None:
    """Keep the newest `keep` cached databases of this size and seed (older
    schemas or module sets); at a million contacts each takes gigabytes."""
    prefix = cache.name.rsplit("-", 1)[0] + "-"
    siblings = sorted((p for p in cache.parent.glob(prefix + "*") if (p / "meta.json").exists()),
                      key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
    for old in siblings[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _checkpoint(path: Path) -> None:
    """Everything into the database file itself: the cache is copied as that one file."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _upgraded(env: dict, settings: Settings, log: Path, meta: dict, shown_as: str) -> dict:
    """Bring a cached database seeded under older migrations to the current
    ones, as an install is upgraded (`flask db upgrade`, then `flask reports
    rebuild`, which also checks every rollup against a recomputation): a
    schema change costs minutes, not the hour a million-contact seed takes.
    Its meta with the step, which the run's report names."""
    print(f"bench: the cached database {shown_as} predates the migrations: upgrading it…", flush=True)
    _output, upgrade_seconds = flask(["db", "upgrade"], env, log)
    step = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": machine.commit(),
            "upgrade_seconds": round(upgrade_seconds, 1)}
    if "reports" in enabled_modules(settings):
        _output, rebuild_seconds = flask(["reports", "rebuild"], env, log)
        step["rebuild_seconds"] = round(rebuild_seconds, 1)
    print(f"bench: upgraded in {step['upgrade_seconds']} s"
          + (f", rollups rebuilt in {step['rebuild_seconds']} s" if "rebuild_seconds" in step else ""), flush=True)
    return {**meta, "schema": schema_key(), "upgrades": [*meta.get("upgrades", []), step]}


def _upgrade(cache: Path, env_for, settings: Settings, log: Path) -> dict:
    """Upgrade a copy of the cached SQLite database (`_upgraded`) and keep it
    as the cache, in place of the old one only once it is whole."""
    building = cache.with_name(cache.name + ".upgrading")
    shutil.rmtree(building, ignore_errors=True)
    (building / "instance").mkdir(parents=True)
    shutil.copyfile(cache / "instance" / "steward.db", building / "instance" / "steward.db")
    meta = _upgraded(env_for(building / "instance"), settings, log,
                     json.loads((cache / "meta.json").read_text()), shown(cache))
    _checkpoint(building / "instance" / "steward.db")
    (building / "meta.json").write_text(json.dumps(meta, indent=2))
    old = cache.with_name(cache.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    cache.rename(old)
    building.rename(cache)
    shutil.rmtree(old, ignore_errors=True)
    return meta


def _say_reused(shown_as: str, meta: dict) -> None:
    print(f"bench: reusing the seeded database {shown_as} "
          f"(seeded in {meta['seconds']} s on {meta['seeded_at'][:10]})", flush=True)


def prepare_sqlite(settings: Settings, env_for, instance: Path, log: Path) -> dict:
    """Copy the cached seeded database into `instance` (seeding it first if
    needed, upgrading it if it predates the migrations). `env_for(instance_dir)`
    gives the environment for CLI commands."""
    key = f"sqlite-{settings.contacts}-seed{settings.seed}-{seed_key(settings)}"
    cache = BUILD / "cache" / key
    if not (cache / "meta.json").exists():
        building = cache.with_name(key + ".building")
        shutil.rmtree(building, ignore_errors=True)
        (building / "instance").mkdir(parents=True)
        meta = _seed(env_for(building / "instance"), settings, log)
        _checkpoint(building / "instance" / "steward.db")
        (building / "meta.json").write_text(json.dumps({**meta, "key": key}, indent=2))
        shutil.rmtree(cache, ignore_errors=True)
        building.rename(cache)
        _prune(cache)
        seed = meta
    else:
        meta = json.loads((cache / "meta.json").read_text())
        if meta.get("schema") != schema_key():
            meta = _upgrade(cache, env_for, settings, log)
        seed = {**meta, "cached": True}
        _say_reused(shown(cache), meta)
    instance.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shutil.copyfile(cache / "instance" / "steward.db", instance / "steward.db")
    seed["copy_seconds"] = round(time.perf_counter() - started, 1)
    seed["key"] = key
    return seed


def _engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(pgcache.url(url).set(drivername="postgresql+psycopg"))


def _tables_with_rows(engine) -> list[str]:
    from sqlalchemy import inspect, literal, select, table

    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return [name for name in names if conn.execute(select(literal(1)).select_from(table(name)).limit(1)).first()]


def _drop_everything(engine) -> None:
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)


def _may_wipe(settings: Settings, drop_tables: bool) -> None:
    """Stop unless the target holds no row or BENCH_RESET=1 allows wiping it;
    with `drop_tables`, drop its tables for a seed in place."""
    engine = _engine(settings.database_url)
    try:
        filled = _tables_with_rows(engine)
        if filled:
            if not settings.reset:
                raise SystemExit(
                    f"bench: the database in DATABASE_URL holds data ({len(filled)} tables with rows, e.g. "
                    f"{', '.join(filled[:3])}). The bench seeds its own data and would delete everything "
                    "in it: point DATABASE_URL at a throwaway database, or run again with BENCH_RESET=1 "
                    "to wipe it.")
            print(f"bench: BENCH_RESET=1: wiping the database ({len(filled)} tables had rows)", flush=True)
        if drop_tables:
            _drop_everything(engine)
    finally:
        engine.dispose()  # no session of ours may stay on a database being copied or dropped


def _cache_server(settings: Settings, target: str, cache: str) -> tuple[psycopg.Connection | None, str | None]:
    """A connection to make and copy caches with, or why there is none."""
    if target == pgcache.MAINTENANCE_DATABASE:
        return None, f"DATABASE_URL names {target}, the database the copies are made from"
    try:
        server = pgcache.maintenance(settings.database_url)
    except psycopg.OperationalError as error:
        return None, f"no connection to the database {pgcache.MAINTENANCE_DATABASE} of the server ({error})"
    refusal = pgcache.refusal(server, [target, cache])
    if refusal:
        server.close()
        return None, refusal
    return server, None


def _without_cache(why: str) -> dict:
    print(f"bench: the seeded database is not cached, {why}; every run seeds it again", flush=True)
    return {"cache": None, "no_cache": why}


def _seeded_and_kept(server, target: str, cache: str, settings: Settings, env: dict, log: Path) -> dict:
    """Seed the target in place and keep a copy of it as the cache."""
    if pgcache.exists(server, target):
        _may_wipe(settings, drop_tables=True)
    else:
        pgcache.create(server, target)
    meta = _seed(env, settings, log)
    try:
        seconds = pgcache.keep(server, target, cache, meta)
    except psycopg.errors.InsufficientPrivilege as error:
        return {**meta, **_without_cache(f"copying it was refused ({str(error).strip()})")}
    pgcache.prune(server, cache)
    print(f"bench: kept a copy of the seeded database as {cache} ({seconds} s)", flush=True)
    return {**meta, "cache": cache, "copy_seconds": seconds}


def _copied(server, target: str, cache: str, meta: dict, settings: Settings, env: dict, log: Path) -> dict:
    """Make the target a copy of the cache, upgrading both if the cache predates the migrations."""
    if pgcache.exists(server, target):
        _may_wipe(settings, drop_tables=False)
    _say_reused(cache, meta)
    pgcache.drop(server, target)
    seconds = pgcache.copy(server, cache, target)
    if meta.get("schema") != schema_key():
        meta = _upgraded(env, settings, log, meta, cache)
        pgcache.keep(server, target, cache, meta)
    return {**meta, "cached": True, "cache": cache, "copy_seconds": seconds}


def prepare_postgresql(settings: Settings, env: dict, log: Path) -> dict:
    """Give DATABASE_URL's database the seeded data: a copy of this seed's
    cache on the same server when there is one, else a seed in place, then
    kept as that cache. Never wipes data without BENCH_RESET=1."""
    seeded_as = seed_key(settings)
    key = f"postgresql-{settings.contacts}-seed{settings.seed}-{seeded_as}"
    target = pgcache.url(settings.database_url).database
    cache = pgcache.cache_name(target, f"{settings.contacts}_{settings.seed}", seeded_as)
    server, refusal = _cache_server(settings, target, cache)
    if server is None:
        no_cache = _without_cache(refusal)
        _may_wipe(settings, drop_tables=True)
        return {**_seed(env, settings, log), **no_cache, "key": key}
    with server:
        meta = pgcache.meta(server, cache)
        if meta is None:
            return {**_seeded_and_kept(server, target, cache, settings, env, log), "key": key}
        return {**_copied(server, target, cache, meta, settings, env, log), "key": key}
