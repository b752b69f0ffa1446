"""A time budget for one builder query: stopped by the database, not waited
for. PostgreSQL: `SET LOCAL statement_timeout` for the transaction. SQLite:
a progress handler that interrupts the statement once the deadline passed.
Either way the caller gets `OverBudget` and the session is rolled back."""

from __future__ import annotations

import time
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.exc import OperationalError

from app.extensions import db

DEFAULT_SECONDS = 10.0


class OverBudget(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"The report took longer than {seconds:g} seconds and was stopped. "
                         "Narrow it with filters or a shorter date range, or group it more coarsely.")
        self.seconds = seconds


def seconds() -> float:
    return float(current_app.config.get("REPORTS_QUERY_SECONDS", DEFAULT_SECONDS))


def _cancelled(error: OperationalError) -> bool:
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) == "57014" or "interrupted" in str(orig).lower()


@contextmanager
def budget(limit: float | None = None):
    """Run the block's queries within `limit` seconds (the app's
    REPORTS_QUERY_SECONDS by default)."""
    limit = seconds() if limit is None else limit
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(limit * 1000))}")
        try:
            yield
        except OperationalError as error:
            db.session.rollback()
            if _cancelled(error):
                raise OverBudget(limit) from None
            raise
        else:
            conn.exec_driver_sql("SET LOCAL statement_timeout = DEFAULT")
        return
    raw = conn.connection.driver_connection
    deadline = time.monotonic() + limit
    raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 2000)
    try:
        yield
    except OperationalError as error:
        db.session.rollback()
        if _cancelled(error):
            raise OverBudget(limit) from None
        raise
    finally:
        raw.set_progress_handler(None, 0)
