"""`flask backup`, `flask restore` and `flask upgrade` on real databases:
SQLite files, or PostgreSQL databases made for the test when the suite runs
with DATABASE_URL (the role needs CREATEDB; .ci/run grants it). Each test
makes its own databases and apps; the session database is not touched."""

from __future__ import annotations

import json
import os
import sys
import tarfile
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from app import create_app
from app.backups import BackupError, postgres
from app.backups.rotation import backups_in
from app.extensions import db
from tests.conftest import app_config, make_user


@pytest.fixture
def new_database(tmp_path):
    """Makes empty databases of the kind the suite runs on; returns their URLs."""
    made: list[str] = []
    base = os.environ.get("DATABASE_URL")
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT") if base else None

    def make(name: str) -> str:
        if admin is None:
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        url = admin.url.set(database=f"{admin.url.database}_{name}_{os.getpid()}")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            try:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            except Exception as error:
                pytest.fail(f"these tests make PostgreSQL databases of their own; grant the role CREATEDB "
                            f"(.ci/run does): {error}")
        made.append(url.database)
        return url.render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app(instance: Path, url: str, modules=None, **extra):
    return create_app(app_config(instance, SQLALCHEMY_DATABASE_URI=url, STEWARD_MODULES=modules, **extra))


def _run(app, *args, ok=True):
    result = app.test_cli_runner().invoke(args=list(args))
    if ok:
        assert result.exit_code == 0, result.output + "".join(traceback.format_exception(result.exception))
    return result


def _rows(app) -> dict[str, list]:
    """Every table's rows, in a stable order."""
    with app.app_context():
        with db.engine.connect() as conn:
            return {table: sorted((tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
                    for table in sorted(inspect(conn).get_table_names())}


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _backups(app) -> list[Path]:
    """The app's backups, oldest first."""
    return backups_in(Path(app.config["BACKUP_DIR"] or Path(app.instance_path) / "backups"))


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def _migrated(app, *, seed: int = 0):
    _run(app, "db", "upgrade")
    if seed:
        _run(app, "seed", "--contacts", str(seed))
    return app


def test_a_backup_of_a_seeded_database_restores_row_for_row(tmp_path, new_database):
    source = _migrated(_app(tmp_path / "source", new_database("source")), seed=25)
    make_user(source, "ada@example.org")
    instance = Path(source.instance_path)
    (instance / "receipts").mkdir()
    (instance / "receipts" / "7.pdf").write_bytes(b"%PDF-1.7 thank-you letters")
    (instance / "exports").mkdir()
    (instance / "exports" / "3.csv").write_text("Name,Email\nAda,ada@example.org\n")
    (instance / "redis.db").write_bytes(b"REDIS0011")  # the embedded Redis's files stay out
    (instance / "redis.db.settings").write_text("{}")

    result = _run(source, "backup")
    [backup] = _backups(source)
    assert f"Backup written: {backup}" in result.output
    assert backup.stat().st_mode & 0o077 == 0  # it holds the secret key: owner only
    manifest = _manifest(backup)
    kind = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    with source.app_context():
        heads = sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        enabled = {m.name: m.version for m in source.extensions["steward"].enabled[1:]}
    assert manifest["database"] == kind and manifest["migration_heads"] == heads
    assert manifest["modules"] == enabled and {"contacts", "pipeline"} <= set(enabled)
    assert sorted(manifest["files"]) == ["exports/3.csv", "receipts/7.pdf", "secret_key"]
    assert manifest["secret_key"] == "instance"
    with tarfile.open(backup) as tar:
        assert sorted(tar.getnames()) == sorted(["manifest.json", manifest["database_file"], "instance/secret_key",
                                                 "instance/receipts/7.pdf", "instance/exports/3.csv"])

    target = _app(tmp_path / "target", new_database("target"))
    assert _tables(target) == set()
    result = _run(target, "restore", str(backup))
    assert "Restored the" in result.output and "Restart the web server" in result.output
    assert "SECRET_KEY" not in result.output  # the key came back with the files

    before, after = _rows(source), _rows(target)
    assert len(before["contacts_contact"]) == 25 and before["pipeline_gift"] and len(before["core_user"]) == 1
    assert after == before
    restored = Path(target.instance_path)
    assert (restored / "secret_key").read_text() == (instance / "secret_key").read_text()
    assert (restored / "receipts" / "7.pdf").read_bytes() == b"%PDF-1.7 thank-you letters"
    assert (restored / "exports" / "3.csv").read_text() == "Name,Email\nAda,ada@example.org\n"
    assert not (restored / "redis.db").exists()
    # The restored database goes on where it left off (PostgreSQL's sequences came along).
    make_user(target, "grace@example.org", name="Grace")


def test_restore_refuses_a_database_with_data_unless_forced(tmp_path, new_database):
    source = _migrated(_app(tmp_path / "source", new_database("source")))
    make_user(source, "old@example.org")
    _run(source, "backup")
    [backup] = _backups(source)

    # This one's SECRET_KEY comes from the environment, not instance/secret_key.
    target = _migrated(_app(tmp_path / "target", new_database("target"), SECRET_KEY="k" * 40), seed=3)
    make_user(target, "current@example.org")
    result = _run(target, "restore", str(backup), ok=False)
    assert result.exit_code == 1
    assert "already holds 1 user account, 3 contacts" in result.output and "--force" in result.output
    with target.app_context():
        assert db.session.scalars(text("SELECT email FROM core_user")).all() == ["current@example.org"]

    result = _run(target, "restore", "--force", str(backup))
    assert "this backup was made with another SECRET_KEY" in result.output
    with target.app_context():
        assert db.session.scalars(text("SELECT email FROM core_user")).all() == ["old@example.org"]
        assert db.session.scalar(text("SELECT count(*) FROM contacts_contact")) == 0


def test_restore_refuses_a_backup_from_a_newer_release(tmp_path, new_database):
    source = _migrated(_app(tmp_path / "source", new_database("source")))
    with source.app_context():  # what a release with one more pipeline revision leaves behind
        db.session.execute(text("UPDATE alembic_version SET version_num = 'pipeline_9999' "
                                "WHERE version_num LIKE 'pipeline_%'"))
        db.session.commit()
    _run(source, "backup")
    [backup] = _backups(source)

    target = _app(tmp_path / "target", new_database("target"))
    result = _run(target, "restore", str(backup), ok=False)
    assert result.exit_code == 1
    assert "does not know: pipeline_9999" in result.output and "same release or a newer one" in result.output
    assert _tables(target) == set()


def test_backups_are_rotated_by_count_and_by_age(tmp_path, new_database):
    source = _migrated(_app(tmp_path / "source", new_database("source"), BACKUP_DIR=str(tmp_path / "backups"),
                            BACKUP_KEEP=3))
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "notes.txt").write_text("not a backup")
    written = [_run(source, "backup").output.split()[2] for _ in range(4)]
    assert [str(p) for p in _backups(source)] == written[1:]  # BACKUP_KEEP=3 keeps the newest three
    assert "Removed old backup" in _run(source, "backup", "--keep", "1").output
    assert len(_backups(source)) == 1
    assert (tmp_path / "backups" / "notes.txt").read_text() == "not a backup"

    from app.backups.create import create

    now = datetime(2020, 1, 10, 3, 15, tzinfo=UTC)
    with source.app_context():
        for days in (10, 3):
            create(keep=0, keep_days=0, now=now - timedelta(days=days))
        removed = create(keep=0, keep_days=7, now=now).removed
    assert [p.name for p in removed] == ["steward-backup-2019-12-31-031500Z.tar.gz"]
    left = {p.name for p in _backups(source)}
    assert {"steward-backup-2020-01-07-031500Z.tar.gz", "steward-backup-2020-01-10-031500Z.tar.gz"} <= left
    assert "steward-backup-2019-12-31-031500Z.tar.gz" not in left


def test_upgrade_takes_a_backup_then_migrates_every_enabled_module(tmp_path, new_database):
    url = new_database("upgrade")
    before = _migrated(_app(tmp_path / "before", url, ["contacts", "pipeline"]))
    make_user(before, "ada@example.org")
    upgraded = _app(tmp_path / "before", url, ["contacts", "pipeline", "hello"])
    result = _run(upgraded, "upgrade")
    assert "Database is up to date: core, contacts, hello, pipeline." in result.output
    [backup] = _backups(upgraded)
    assert "hello_0001" not in _manifest(backup)["migration_heads"]
    assert "hello_greeting" in _tables(upgraded)


STRICT_MANIFEST = '''
from app.registry import Module, migrations_dir

module = Module(name="strict", title="Strict", requires=("hello",), migrations=migrations_dir(__file__))
'''

STRICT_REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "strict_0001"
down_revision = None
branch_labels = ("strict",)
depends_on = "core_0001"


def upgrade():
    op.create_table("strict_rule", sa.Column("id", sa.Integer(), primary_key=True))
    # Meets data it did not expect: two people with the same name.
    op.create_index("strict_user_name", "core_user", ["name"], unique=True)
'''


@pytest.fixture
def strict_module(tmp_path, monkeypatch):
    """Installs a module whose migration fails on the data it meets: a
    distribution on sys.path with its entry point, found like any other."""
    site = tmp_path / "site"
    package = site / "steward_strict"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(STRICT_MANIFEST)
    (package / "migrations" / "strict_0001_rules.py").write_text(STRICT_REVISION)
    info = site / "steward_strict-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: steward-strict\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[steward.modules]\nstrict = steward_strict:module\n")
    monkeypatch.syspath_prepend(str(site))
    yield
    sys.modules.pop("steward_strict", None)


def test_a_failed_migration_during_upgrade_puts_the_backup_back(tmp_path, new_database, strict_module):
    url = new_database("failing")
    before = _migrated(_app(tmp_path / "instance", url, ["contacts", "pipeline"]), seed=5)
    make_user(before, "sam@example.org", name="Sam Same")
    make_user(before, "sam.other@example.org", "staff", name="Sam Same")
    rows = _rows(before)

    upgrading = _app(tmp_path / "instance", url, ["contacts", "pipeline", "hello", "strict"])
    result = _run(upgrading, "upgrade", ok=False)
    assert result.exit_code == 1
    assert "Upgrade failed: migrating 'strict' failed:" in result.output
    assert "unique" in result.output.lower() and "put back as they were" in result.output
    # hello's branch had migrated before strict's failed; the restore undid it too.
    assert _rows(upgrading) == rows
    assert "hello_greeting" not in _tables(upgrading)
    [backup] = _backups(upgrading)
    assert _manifest(backup)["migration_heads"] == sorted(r[0] for r in rows["alembic_version"])


def test_a_missing_postgresql_client_is_named(tmp_path):
    with pytest.raises(BackupError, match="pg_dump was not found on PATH.*postgresql-client"):
        postgres.tool("pg_dump", search_path=str(tmp_path))


def test_the_database_password_goes_in_the_environment_not_the_arguments():
    conninfo, env = postgres._connection(make_url("postgresql+psycopg://steward:s3cret@db.example.org:5433/crm"))
    assert conninfo == "postgresql://steward@db.example.org:5433/crm"
    assert env["PGPASSWORD"] == "s3cret"
