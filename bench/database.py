"""The seeded database a run measures.

SQLite: a pristine seeded copy is cached under build/bench/cache/, keyed by
size, seed, gifts per contact, the migrations, the seed code and the
enabled modules; each run works on a fresh copy of it (the import changes
the data). PostgreSQL: the
database DATABASE_URL names is seeded in place; one that holds any data is
wiped only with BENCH_RESET=1.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path

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


def schema_key(settings: Settings) -> str:
    """What the seeded data depends on, hashed: change any of it and the cache is rebuilt."""
    digest = hashlib.sha256()
    digest.update(f"{settings.contacts}:{settings.seed}:{','.join(enabled_modules(settings))}".encode())
    digest.update(f":history{settings.campaign_history:g}".encode())
    digest.update(f":gifts{settings.gifts_per_contact}".encode())
    # The manifests too: they name each module's seed hook, wherever its code lives.
    files = {*ROOT.glob("migrations/versions/*.py"), *ROOT.glob("modules/*/migrations/*.py"),
             ROOT / "app" / "seed.py", *ROOT.glob("modules/*/__init__.py"), *ROOT.glob("modules/*/**/*seed*.py"),
             ROOT / "bench" / "campaign_history.py"}
    for path in sorted(files):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


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
            "output": last}
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


def prepare_sqlite(settings: Settings, env_for, instance: Path, log: Path) -> dict:
    """Copy the cached seeded database into `instance` (seeding it first if
    needed). `env_for(instance_dir)` gives the environment for CLI commands."""
    key = f"sqlite-{settings.contacts}-seed{settings.seed}-{schema_key(settings)}"
    cache = BUILD / "cache" / key
    if not (cache / "meta.json").exists():
        building = cache.with_name(key + ".building")
        shutil.rmtree(building, ignore_errors=True)
        (building / "instance").mkdir(parents=True)
        meta = _seed(env_for(building / "instance"), settings, log)
        with sqlite3.connect(building / "instance" / "steward.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (building / "meta.json").write_text(json.dumps({**meta, "key": key}, indent=2))
        shutil.rmtree(cache, ignore_errors=True)
        building.rename(cache)
        _prune(cache)
        seed = meta
    else:
        meta = json.loads((cache / "meta.json").read_text())
        seed = {**meta, "cached": True}
        print(f"bench: reusing the seeded database {shown(cache)} "
              f"(seeded in {meta['seconds']} s on {meta['seeded_at'][:10]})", flush=True)
    instance.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shutil.copyfile(cache / "instance" / "steward.db", instance / "steward.db")
    seed["copy_seconds"] = round(time.perf_counter() - started, 1)
    seed["key"] = key
    return seed


def _engine(url: str):
    from sqlalchemy import create_engine

    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return create_engine(url)


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


def prepare_postgresql(settings: Settings, env: dict, log: Path) -> dict:
    """Seed the PostgreSQL database in place; never wipe data without BENCH_RESET=1."""
    engine = _engine(settings.database_url)
    try:
        filled = _tables_with_rows(engine)
        if filled:
            if not settings.reset:
                raise SystemExit(
                    f"bench: the database in DATABASE_URL holds data ({len(filled)} tables with rows, e.g. "
                    f"{', '.join(filled[:3])}). The bench seeds its own data and would delete everything "
                    "in it: point DATABASE_URL at a throwaway database, or run again with BENCH_RESET=1 "
                    "to drop every table in it.")
            print(f"bench: BENCH_RESET=1: dropping every table of the database ({len(filled)} had rows)",
                  flush=True)
        _drop_everything(engine)
    finally:
        engine.dispose()
    seed = _seed(env, settings, log)
    return {**seed, "key": f"postgresql-{settings.contacts}-seed{settings.seed}-{schema_key(settings)}"}
