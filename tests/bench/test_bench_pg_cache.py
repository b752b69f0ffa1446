"""The bench's seeded-database cache on PostgreSQL: the seeded target is
kept as a database of the same server (its meta in the database's comment),
later runs copy it back instead of seeding for an hour, and a cache older
than the migrations is upgraded once, as the SQLite cache is
(test_bench_cache_upgrade.py)."""

from __future__ import annotations

import dataclasses
import json
import os

import psycopg
import pytest
from psycopg.sql import SQL, Identifier, Literal

from bench import database, pgcache, servers
from bench.settings import load

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="needs PostgreSQL (template databases): runs in CI's PostgreSQL leg, DATABASE_URL=postgresql://…")


def _caches(server: psycopg.Connection, target: str) -> list[str]:
    return sorted(name for (name,) in server.execute("SELECT datname FROM pg_database")
                  if name.startswith(target + "__bench_"))


def _drop_with_caches(server_url: str, target: str) -> None:
    with pgcache.maintenance(server_url) as server:
        for name in [target, *_caches(server, target)]:
            pgcache.drop(server, name)


@pytest.fixture()
def target_url():
    """A throwaway target beside the test database; it and every cache made
    of it are dropped at the end, so the server keeps nothing."""
    tests_url = os.environ["DATABASE_URL"]
    target = f"{pgcache.url(tests_url).database}_benchcache"
    _drop_with_caches(tests_url, target)  # a run stopped half-way leaves them
    with pgcache.maintenance(tests_url) as server:
        pgcache.create(server, target)
    yield pgcache.url(tests_url).set(database=target).render_as_string(hide_password=False)
    _drop_with_caches(tests_url, target)


@pytest.fixture()
def settings(monkeypatch, target_url):
    for name in [n for n in os.environ if n.startswith("BENCH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BENCH_CONTACTS", "40")
    monkeypatch.setenv("BENCH_GIFTS_PER_CONTACT", "0")
    monkeypatch.setenv("BENCH_CAMPAIGN_HISTORY", "0")
    monkeypatch.setenv("DATABASE_URL", target_url)
    return load()


@pytest.fixture()
def env(settings, tmp_path):
    return servers.app_env(instance=tmp_path / "instance", redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
                           secret_key="test-only", database_url=settings.database_url, modules=None)


def _one(url: str, query: str, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchone()[0]


def _meta(url: str, name: str) -> dict:
    return json.loads(_one(pgcache.url(url).set(database="postgres").render_as_string(hide_password=False),
                           "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [name]))


@on_postgresql
def test_the_seed_is_kept_on_the_server_copied_back_and_upgraded_once(settings, env, tmp_path):
    log = tmp_path / "commands.log"
    target = settings.database_url
    first = database.prepare_postgresql(settings, env, log)
    assert first["cached"] is False and first["cache"] and first["copy_seconds"] >= 0
    assert _meta(target, first["cache"])["schema"] == database.schema_key()
    cache = pgcache.url(target).set(database=first["cache"]).render_as_string(hide_password=False)
    contacts = _one(cache, "SELECT count(*) FROM contacts_contact")
    assert contacts >= 40 and _one(target, "SELECT count(*) FROM contacts_contact") == contacts
    _one(cache, "INSERT INTO contacts_tag (name, colour) VALUES ('only in the cache', '') RETURNING id")

    # The target holds the seed now: without BENCH_RESET=1 the next run stops and leaves it.
    with pytest.raises(SystemExit, match="BENCH_RESET=1"):
        database.prepare_postgresql(settings, env, log)
    assert _one(target, "SELECT count(*) FROM contacts_contact") == contacts

    # As if the migrations had changed since the seed.
    with pgcache.maintenance(target) as server:
        server.execute(SQL("COMMENT ON DATABASE {} IS {}").format(
            Identifier(first["cache"]), Literal(json.dumps({**_meta(target, first["cache"]), "schema": "older"}))))
    reset = dataclasses.replace(settings, reset=True)
    second = database.prepare_postgresql(reset, env, log)
    assert second["cached"] is True and second["cache"] == first["cache"] and second["key"] == first["key"]
    assert second["schema"] == database.schema_key() and second["copy_seconds"] >= 0
    (step,) = second["upgrades"]
    assert step["upgrade_seconds"] >= 0 and step["rebuild_seconds"] >= 0
    commands = log.read_text()
    assert "$ flask db upgrade" in commands and "$ flask reports rebuild" in commands
    assert "equal to a full recomputation" in commands
    assert commands.count("$ flask seed") == 1
    # The target is a copy of the cache, not a new seed: the row added to the cache is in it.
    assert _one(target, "SELECT count(*) FROM contacts_tag WHERE name = 'only in the cache'") == 1
    assert _one(target, "SELECT count(*) FROM contacts_contact") == contacts
    kept = _meta(target, first["cache"])
    assert kept["schema"] == database.schema_key() and kept["upgrades"] == second["upgrades"]

    # Kept: the next run neither seeds nor upgrades, and leaves one cache and no unfinished copy.
    third = database.prepare_postgresql(reset, env, log)
    assert third["cached"] is True and len(third["upgrades"]) == 1
    assert log.read_text().count("$ flask db upgrade") == 2
    with pgcache.maintenance(target) as server:
        assert _caches(server, pgcache.url(target).database) == [first["cache"]]


@on_postgresql
def test_a_role_without_createdb_seeds_in_place_and_says_what_to_grant(settings, env, tmp_path, monkeypatch,
                                                                         capsys):
    role = f"{pgcache.url(settings.database_url).database}_nocreatedb"
    real_maintenance = pgcache.maintenance

    def as_that_role(database_url):
        server = real_maintenance(database_url)
        server.execute(SQL("SET ROLE {}").format(Identifier(role)))
        return server

    with real_maintenance(settings.database_url) as server:
        server.execute(SQL("CREATE ROLE {} NOLOGIN NOCREATEDB").format(Identifier(role)))
        server.execute(SQL("GRANT {} TO CURRENT_USER").format(Identifier(role)))
    try:
        with monkeypatch.context() as patched:
            patched.setattr(pgcache, "maintenance", as_that_role)
            seeded = database.prepare_postgresql(settings, env, tmp_path / "commands.log")
    finally:
        with real_maintenance(settings.database_url) as server:
            server.execute(SQL("DROP ROLE {}").format(Identifier(role)))
    assert seeded["cached"] is False and seeded["cache"] is None
    assert f"ALTER ROLE {role} CREATEDB" in seeded["no_cache"]
    assert f"ALTER ROLE {role} CREATEDB" in capsys.readouterr().out
    assert _one(settings.database_url, "SELECT count(*) FROM contacts_contact") >= 40
    with real_maintenance(settings.database_url) as server:
        assert _caches(server, pgcache.url(settings.database_url).database) == []


@on_postgresql
def test_two_caches_of_a_target_and_size_are_kept_the_newest_by_seed_or_upgrade(target_url):
    target = pgcache.url(target_url).database
    upgraded, older, newest = (pgcache.cache_name(target, "40_1", key * 12) for key in "abc")
    other_size = pgcache.cache_name(target, "400_1", "d" * 12)
    written = {upgraded: {"seeded_at": "2026-01-01T00:00:00+00:00", "upgrades": [{"at": "2026-01-05T00:00:00+00:00"}]},
               older: {"seeded_at": "2026-01-02T00:00:00+00:00"},
               newest: {"seeded_at": "2026-01-03T00:00:00+00:00"},
               other_size: {"seeded_at": "2026-01-01T00:00:00+00:00"}}
    with pgcache.maintenance(target_url) as server:
        for name, meta in written.items():
            pgcache.create(server, name)
            server.execute(SQL("COMMENT ON DATABASE {} IS {}").format(Identifier(name), Literal(json.dumps(meta))))
        pgcache.create(server, newest + pgcache.BUILDING)  # a copy that never finished
        assert sorted(pgcache.prune(server, newest)) == sorted([older, newest + pgcache.BUILDING])
        assert _caches(server, target) == sorted([upgraded, newest, other_size])


def test_a_cache_name_fits_postgresql_and_keeps_long_targets_apart():
    short = pgcache.cache_name("steward_bench", "1000000_1", "0123456789ab")
    assert short == "steward_bench__bench_1000000_1_0123456789ab"
    long_names = [pgcache.cache_name("steward_" + "x" * 60 + end, "1000000_1", "0123456789ab") for end in "yz"]
    assert long_names[0] != long_names[1]
    assert all(len((name + pgcache.BUILDING).encode()) <= 63 for name in long_names)
    assert all(name.endswith("__bench_1000000_1_0123456789ab") for name in long_names)
