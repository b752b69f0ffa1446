"""The bench's seeded-database cache: a cache seeded under older migrations
is upgraded once, the way an install is, and kept; the seed key does not
move with the migrations (a million-contact seed takes most of an hour)."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from bench import database, servers
from bench.settings import load


@pytest.fixture()
def settings(monkeypatch):
    for name in [n for n in os.environ if n.startswith("BENCH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BENCH_CONTACTS", "40")
    monkeypatch.setenv("BENCH_GIFTS_PER_CONTACT", "0")
    monkeypatch.setenv("BENCH_CAMPAIGN_HISTORY", "0")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return load()


def test_a_cache_from_older_migrations_is_upgraded_once_and_kept(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(database, "BUILD", tmp_path / "build")
    log = tmp_path / "commands.log"

    def env_for(instance):
        return servers.app_env(instance=instance, redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
                               secret_key="test-only", database_url=None, modules=None)

    first = database.prepare_sqlite(settings, env_for, tmp_path / "run1", log)
    assert first["cached"] is False and first["schema"] == database.schema_key()
    cache = tmp_path / "build" / "cache" / first["key"]
    conn = sqlite3.connect(cache / "instance" / "steward.db")
    with conn:
        contacts = conn.execute("SELECT count(*) FROM contacts_contact").fetchone()[0]
        conn.execute("INSERT INTO contacts_tag (name, colour) VALUES ('kept through the upgrade', '')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the file itself, as the bench leaves its cache
    conn.close()
    assert contacts >= 40
    # As if the migrations had changed since the seed.
    meta = json.loads((cache / "meta.json").read_text())
    (cache / "meta.json").write_text(json.dumps({**meta, "schema": "older"}))

    second = database.prepare_sqlite(settings, env_for, tmp_path / "run2", log)
    assert second["key"] == first["key"] and second["cached"] is True
    assert second["schema"] == database.schema_key()
    (step,) = second["upgrades"]
    assert step["upgrade_seconds"] >= 0 and step["rebuild_seconds"] >= 0
    commands = log.read_text()
    assert "$ flask db upgrade" in commands and "$ flask reports rebuild" in commands
    assert "equal to a full recomputation" in commands
    # The run's copy is the upgraded cache: same data, the seed not run again.
    with sqlite3.connect(tmp_path / "run2" / "steward.db") as conn:
        assert conn.execute("SELECT count(*) FROM contacts_contact").fetchone()[0] == contacts
        assert conn.execute("SELECT count(*) FROM contacts_tag WHERE name = 'kept through the upgrade'"
                            ).fetchone()[0] == 1
    assert commands.count("$ flask seed") == 1
    # Kept: the next run neither seeds nor upgrades.
    third = database.prepare_sqlite(settings, env_for, tmp_path / "run3", log)
    assert len(third["upgrades"]) == 1 and log.read_text().count("$ flask db upgrade") == 2
    assert not list((tmp_path / "build" / "cache").glob("*.upgrading")) + \
        list((tmp_path / "build" / "cache").glob("*.old"))


def test_the_seed_key_does_not_hold_the_migrations(settings, monkeypatch):
    before_seed, before_schema = database.seed_key(settings), database.schema_key()
    real = database._digest

    def with_a_new_migration(paths, digest=None):
        paths = set(paths)
        if any("migrations" in p.as_posix() for p in paths):
            paths.add(database.ROOT / "app" / "__init__.py")  # stands for a new migration file
        return real(paths, digest)

    monkeypatch.setattr(database, "_digest", with_a_new_migration)
    assert database.schema_key() != before_schema
    assert database.seed_key(settings) == before_seed
