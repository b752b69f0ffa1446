"""How transactions begin on SQLite (app/database.py), shown one step at a
time on two connections, where the load test shows it under real traffic:
reads take no lock, a writer that read first still gets the lock after
someone else committed, writers wait for each other instead of failing,
and a rollback undoes DDL and `WITH ... INSERT` too. Always SQLite."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text

from app.database import writes


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tx.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def names(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT name FROM item ORDER BY id")))


def test_a_transaction_that_read_first_can_write_after_another_commit(engine):
    """With a deferred BEGIN this fails at once with "database is locked": the
    reader's snapshot went stale when the other connection committed."""
    with engine.connect() as first, engine.connect() as second:
        assert first.scalar(text("SELECT count(*) FROM item")) == 0  # the transaction has begun, and read
        second.execute(text("INSERT INTO item (name) VALUES ('second')"))
        second.commit()
        first.execute(text("INSERT INTO item (name) VALUES ('first')"))
        assert first.scalar(text("SELECT count(*) FROM item")) == 2  # it sees the other row once writing
        first.commit()
    assert names(engine) == ["second", "first"]


def test_a_transaction_that_only_reads_takes_no_lock(engine, tmp_path):
    with engine.connect() as reader:
        assert reader.scalar(text("SELECT count(*) FROM item")) == 0
        assert reader.in_transaction()
        # Another process that will not wait at all can still write.
        other = sqlite3.connect(tmp_path / "tx.db", timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO item (name) VALUES ('other')")
        other.execute("COMMIT")
        other.close()
        assert reader.scalar(text("SELECT count(*) FROM item")) == 1  # and the next read sees it
        reader.commit()


def test_a_writer_waits_for_the_one_holding_the_lock(engine):
    waiting = threading.Event()
    errors: list[Exception] = []

    def write_later():
        try:
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT count(*) FROM item")) == 1  # read while the other writes
                waiting.set()
                conn.execute(text("INSERT INTO item (name) VALUES ('second')"))  # waits for the lock
                conn.commit()
        except Exception as error:  # noqa: BLE001 - checked below
            errors.append(error)

    with engine.connect() as holder:
        holder.execute(text("INSERT INTO item (name) VALUES ('first')"))
        holder.commit()
        holder.execute(text("UPDATE item SET name = 'first, renamed'"))  # holds the write lock
        thread = threading.Thread(target=write_later)
        thread.start()
        assert waiting.wait(30)
        thread.join(0.5)  # it is queued behind us, not failed
        assert thread.is_alive() and errors == []
        holder.commit()
    thread.join(30)
    assert errors == []
    assert names(engine) == ["first, renamed", "second"]


def test_a_rollback_undoes_ddl_and_with_insert(engine):
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
        conn.execute(text("WITH new(name) AS (SELECT 'from a cte') INSERT INTO item (name) SELECT name FROM new"))
        conn.rollback()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'")) == 0
    assert names(engine) == []


@pytest.mark.parametrize(("statement", "needs_lock"), [
    ("SELECT 1", False),
    ("  select * from item", False),
    ("PRAGMA table_info(item)", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False),
    ("VACUUM", False),
    ("INSERT INTO item (name) VALUES ('a')", True),
    ("UPDATE item SET name = 'b'", True),
    ("DELETE FROM item", True),
    ("WITH x AS (SELECT 1) DELETE FROM item WHERE id IN (SELECT * FROM x)", True),
    ("CREATE TABLE t (id INTEGER)", True),
    ("SAVEPOINT sa_savepoint_1", True),
    ("/* comment */ SELECT 1", True),  # not sure: take the lock
])
def test_which_statements_take_the_write_lock(statement, needs_lock):
    assert writes(statement) is needs_lock
