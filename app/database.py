"""Per-connection database settings, and how transactions begin on SQLite.

SQLite has one writer at a time. In WAL mode readers never wait for it and
it never waits for readers; writers queue for the write lock, waiting up to
`busy_timeout`. The trap is a transaction that reads first and writes later:
it holds a read snapshot, and when it then asks for the write lock SQLite
cannot let it wait (the other writer's commit would make its snapshot stale),
so it fails at once with "database is locked" (SQLITE_BUSY), whatever
`busy_timeout` says. That is what happens with a plain deferred `BEGIN` at
the start of every transaction (PEP 249, sqlite3's `autocommit=False`, the
default from Python 3.16).

How Steward begins transactions on SQLite (`_begin_before_first_write`):

- Reads run outside any transaction until the first write: each SELECT sees
  the latest committed data (like PostgreSQL's default, READ COMMITTED),
  takes no lock and holds no snapshot. A page view, which mostly reads,
  never blocks anyone and is never blocked.
- Just before the first statement that writes (INSERT, UPDATE, DELETE, DDL,
  SAVEPOINT, anything that is not a plain read), we send `BEGIN IMMEDIATE`.
  It takes the write lock up front, while this connection holds no snapshot,
  so it waits its turn through `busy_timeout` instead of failing, and from
  then on the transaction is serialisable until COMMIT or ROLLBACK.

Why not `BEGIN IMMEDIATE` at the start of every transaction: Flask-SQLAlchemy
keeps a transaction open for the whole request, so every page view would
take the single write lock and readers would queue behind each other and
behind background jobs. Why not retry: re-running a request or a job after a
failed commit repeats side effects outside the database, and a retry only
makes the failure rarer. Reading before the lock is taken is safe for the
same reason it is on PostgreSQL, where the suite also runs: code that must
not act on a stale read (check, then insert) re-reads after its first write
or relies on a constraint, as it must there.

This replaces sqlite3's legacy transaction control, which sent a deferred
BEGIN only before INSERT/UPDATE/DELETE/REPLACE: it already kept reads out of
transactions, but ran DDL (migrations), `WITH ... INSERT` and SAVEPOINTs
outside the transaction, where a rollback could not undo them.

One rule follows: do not start writing while a streamed read (yield_per,
stream_results) is still open on the same connection; finish reading first.
"""

from __future__ import annotations

import re
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

# Statements that run outside a transaction until the first write: reads,
# and the ones SQLite refuses inside a transaction (VACUUM, ATTACH, ...) or
# that end one. PRAGMAs are settings or reads. Everything else writes.
_NO_BEGIN = re.compile(r"\s*(SELECT|VALUES|EXPLAIN|PRAGMA|VACUUM|ATTACH|DETACH|BEGIN|COMMIT|END|ROLLBACK|RELEASE)\b",
                       re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def writes(statement: str) -> bool:
    """Whether `statement` needs the write lock (errs on the side of yes)."""
    if _WITH.match(statement):
        return bool(_WRITES.search(statement))
    return not _NO_BEGIN.match(statement)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while one process writes; busy_timeout makes a
    writer wait for the lock instead of failing; SQLite enforces foreign keys
    only when asked. sqlite3 itself sends no BEGIN: see the module docstring."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if hasattr(sqlite3, "LEGACY_TRANSACTION_CONTROL"):  # Python 3.12+
            dbapi_connection.autocommit = sqlite3.LEGACY_TRANSACTION_CONTROL
        dbapi_connection.isolation_level = None  # commit()/rollback() still end our transactions


@event.listens_for(Engine, "before_cursor_execute")
def _begin_before_first_write(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    """`BEGIN IMMEDIATE` before the first writing statement of a transaction."""
    if (isinstance(cursor, sqlite3.Cursor) and not cursor.connection.in_transaction and writes(statement)
            and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"):
        cursor.execute("BEGIN IMMEDIATE")


def configure_engine(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # psycopg 3 is the driver we ship; accept the plain postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len(prefix):]


def hold_write_lock(session, table: str) -> None:
    """Keep other writers of `table` waiting until this transaction ends, so
    that a check made after this call stays true until the commit (check,
    then insert, when no constraint can say "only one").

    SQLite has one write lock for the whole database: `BEGIN IMMEDIATE`
    takes it, as the first write would (unless this transaction holds it
    already). PostgreSQL: `LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE`, which
    conflicts with itself and with every write to the table, not with reads."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        quoted = connection.dialect.identifier_preparer.quote(table)
        connection.exec_driver_sql(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
    elif connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _hold(session, locking_select) -> None:
    """PostgreSQL: run `locking_select` (a SELECT ... FOR UPDATE of the row).
    SQLite: take the database's one write lock, as `hold_write_lock` does."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(locking_select)
    elif connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def hold_row_lock(record) -> None:
    """Keep other writers of `record`'s row waiting until this transaction
    ends, then forget what the session had loaded, so that what is read next
    is what is stored now and stays so until the commit (check, then save).

    PostgreSQL: `SELECT ... FOR UPDATE` of that row. SQLite: the database's
    one write lock, as `hold_write_lock` takes it."""
    from sqlalchemy import inspect, select

    state = inspect(record)
    keys = state.mapper.primary_key
    _hold(state.session, select(*keys).where(*(c == v for c, v in zip(keys, state.identity, strict=True)))
          .with_for_update())
    state.session.expire_all()


def hold_key_lock(column, value, *, no_key: bool = False) -> None:
    """`hold_row_lock` for the row where `column == value`, without loading
    it or expiring the session. `no_key`: on PostgreSQL `FOR NO KEY UPDATE`,
    which rows inserted with a foreign key to it do not wait for (two
    writers that insert such rows cannot deadlock on it)."""
    from sqlalchemy import select

    from app.extensions import db

    _hold(db.session, select(column).where(column == value).with_for_update(key_share=no_key))


def commit_without_waiting_for_disk(session) -> None:
    """Let this transaction's commit return before its changes reach the
    disk, for a write that a crash of the database server may lose because
    something else covers it: a later commit that does wait (PostgreSQL
    writes its log in order, so that one makes both durable), or a source
    that sends again what was lost. PostgreSQL: `SET LOCAL
    synchronous_commit = off`, for this transaction only; a crash can lose
    its last fraction of a second of such commits, never leave them half
    done. Each waited commit costs a flush of the log, milliseconds on a
    small VPS's disk. SQLite (WAL, synchronous=NORMAL) already commits so."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
