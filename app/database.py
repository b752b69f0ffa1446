"""Per-connection database settings."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while one process writes; busy_timeout makes a
    writer wait for the lock instead of failing; SQLite enforces foreign keys
    only when asked."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def configure_engine(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # psycopg 3 is the driver we ship; accept the plain postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len(prefix):]


def insert_returning_ids(table, rows: list[dict]) -> list[int]:
    """Insert `rows` into `table` and return their new ids, in order, fast.

    SQLite cannot promise the order of RETURNING for a multi-row insert, so
    SQLAlchemy would send one INSERT per row. Under SQLite's single write lock
    (held from the first insert to the commit) a table without AUTOINCREMENT
    gives each new row max(id) + 1, so: the first row alone with RETURNING,
    the rest in one executemany, and the ids follow on (checked)."""
    from sqlalchemy import func, insert, select

    from app.extensions import db

    if not rows:
        return []
    if db.session.get_bind().dialect.name != "sqlite":
        return list(db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                       rows).scalars())
    first = db.session.execute(insert(table).returning(table.c.id), rows[0]).scalar_one()
    if len(rows) > 1:
        db.session.execute(insert(table), rows[1:])
    last = db.session.scalar(select(func.max(table.c.id)))
    if last != first + len(rows) - 1:
        raise RuntimeError(f"{table.name}: expected ids {first}..{first + len(rows) - 1}, the last is {last}")
    return list(range(first, first + len(rows)))
