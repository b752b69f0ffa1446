"""The database side of a backup: which kind it is, a dump of it, loading a
dump back, and what it holds (so a restore can say what it would overwrite)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from app.backups import BackupError, postgres, sqlite
from app.extensions import db

# The file a dump of each kind has in the backup.
DUMP_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def kind() -> str:
    name = db.engine.dialect.name
    if name not in DUMP_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _release_connections() -> None:
    """Close the app's own connections: a restore replaces what they point at."""
    db.session.remove()
    db.engine.dispose()


def dump(work: Path) -> Path:
    """Write a consistent dump of the database into `work`; returns its path."""
    out = work / DUMP_FILES[kind()]
    (sqlite if kind() == "sqlite" else postgres).dump(db.engine.url, out)
    return out


def load(dump_file: Path) -> None:
    """Replace the whole database with `dump_file`."""
    database_kind = kind()
    if database_kind == "sqlite":
        _release_connections()
        sqlite.load(db.engine.url, dump_file)
    else:
        quote = db.engine.dialect.identifier_preparer.quote
        schema = quote(db.session.scalar(text("SELECT current_schema()")))
        _release_connections()
        postgres.load(db.engine.url, dump_file, schema)
    _release_connections()


def heads() -> list[str]:
    """The database's migration revisions (its alembic_version rows)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))


def contents() -> list[str]:
    """What the database holds that someone entered, in words ("3 user
    accounts", "1,250 contacts"); empty for a new or freshly migrated one
    (migrations insert only built-in rows: roles, types, settings)."""
    from app.models import User

    if not inspect(db.engine).has_table("core_user"):
        return []
    held = []
    users = db.session.scalar(select(func.count()).select_from(User))
    if users:
        held.append(f"{users:,} user account{'s' if users != 1 else ''}")
    for module in current_app.extensions["steward"].enabled:
        if module.seeded is None:
            continue
        try:
            count = module.seeded()
        except DBAPIError:  # the module's tables are not there (yet)
            db.session.rollback()
            continue
        if count:
            held.append(f"{count:,} {module.title.lower()}")
    db.session.rollback()
    return held
