"""Planner statistics: what lets the database pick the right index.

Without statistics SQLite guesses, and guesses wrong for the contact search:
it walks the whole list index probing the full-text matches instead of
starting from the (few) matches, so a rare name took ~40 ms at 100,000
contacts instead of ~1 ms. `ANALYZE` records how selective each index is
(`sqlite_stat1`); with `analysis_limit` it samples about 1,000 rows per index,
so it takes a fraction of a second at any size.

PostgreSQL's autovacuum analyzes a table after enough of it changed, but only
on its own schedule (a minute or more after a bulk import), so we ask too.

Called after `flask db upgrade`, at the end of `flask seed`, when the worker
starts and after a background job that ran for a while (imports, bulk
actions): the moments when the data changes shape. Cheap enough to call often.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import text

from app.extensions import db


def refresh_statistics() -> float:
    """Refresh the planner's statistics; returns the seconds it took. Never
    raises: a failure is logged and the data stays as it was."""
    started = time.perf_counter()
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(text("PRAGMA analysis_limit=1000"))
            conn.execute(text("ANALYZE"))
    except Exception:  # statistics are an optimisation; never fail the caller for them
        current_app.logger.exception("refreshing the database statistics failed")
    return time.perf_counter() - started
