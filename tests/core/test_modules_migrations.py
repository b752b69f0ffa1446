"""One Alembic environment, one branch per module: enabling a module later
migrates only its branch, and the models agree with the migrations."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models import User
from tests.conftest import app_config, make_user

# Tables a migration may create that no model declares: SQLite FTS5 indexes
# (`<table>_fts`) and their shadow tables (`<table>_fts_data`, ...).
UNMODELLED = re.compile(r"^alembic_version$|_fts(_\w+)?$")


def _sqlite_app(instance, db_file, modules, redis_url):
    return create_app(app_config(
        instance,
        STEWARD_MODULES=modules,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_file}",
        REDIS_URL=redis_url,
    ))


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _versions(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.text("SELECT version_num FROM alembic_version")))


def test_enabling_a_module_later_migrates_only_its_branch(app, tmp_path):
    # A fresh, empty database of its own. It is a SQLite file even when the
    # suite runs on PostgreSQL (DATABASE_URL): what this tests is Alembic's
    # branch bookkeeping (which revisions run, and that a disabled module's
    # revision still resolves), which is the same on both; the session database
    # cannot be emptied here without breaking the other tests, and creating a
    # second PostgreSQL database needs rights CI may not grant.
    if "hello" not in app.extensions["steward"].installed:
        pytest.fail("the steward-hello test plugin is not installed: run `make test`")
    db_file = tmp_path / "fresh.db"
    redis_url = app.extensions["steward"].redis_url

    core_only = _sqlite_app(tmp_path / "first", db_file, [], redis_url)
    result = core_only.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date: core." in result.output
    tables = _tables(core_only)
    assert "core_user" in tables and "hello_greeting" not in tables
    assert {t for t in tables if not t.startswith("core_")} == {"alembic_version"}
    assert all(v.startswith("core_") for v in _versions(core_only))
    make_user(core_only, "early@example.org", "staff", name="Early Bird")

    with_hello = _sqlite_app(tmp_path / "second", db_file, ["hello"], redis_url)
    result = with_hello.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date: core, hello." in result.output
    assert _tables(with_hello) == tables | {"hello_greeting"}
    assert "hello_0001" in _versions(with_hello)
    with with_hello.app_context():
        assert db.session.scalar(db.select(User.name).where(User.email == "early@example.org")) == "Early Bird"

    # Disabled again: the upgrade still works and drops nothing.
    again = _sqlite_app(tmp_path / "third", db_file, [], redis_url)
    result = again.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "hello_greeting" in _tables(again)

    for each in (core_only, with_hello, again):
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def test_models_and_migrations_agree(app, tmp_path):
    """Autogenerate finds nothing to do once every module is migrated: a model
    changed without a migration (or the reverse) fails here. The session app
    is used when it enables every installed module (so CI checks PostgreSQL
    too); when STEWARD_MODULES narrows it, a fresh SQLite app enables all."""
    state = app.extensions["steward"]
    if set(state.installed) - {m.name for m in state.enabled}:
        app = create_app(app_config(tmp_path, STEWARD_MODULES=None,
                                    SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'all.db'}"))
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0

    def include_name(name, type_, _parent):
        return not (type_ == "table" and UNMODELLED.search(name))

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": False, "include_name": include_name,
        })
        diff = compare_metadata(context, db.metadata)
    assert diff == [], "models and migrations disagree; add a migration:\n" + "\n".join(map(str, diff))
