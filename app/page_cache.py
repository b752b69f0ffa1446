"""A bigger SQLite page cache while a bulk write runs: a contact import,
a campaign's audience freeze.

Each chunk inserts a thousand rows into tables with many indexes (a
contact's emails, phones, addresses, search documents; a campaign's
recipient rows, indexed by contact and by address), touching pages all
over those indexes. SQLite's default cache (2 MB a connection) cannot hold
them: it writes dirty pages to the WAL in the middle of a transaction and
reads them back for the next rows, about a fifth of an import's time at
100,000 contacts. With room for them, each page is written once per commit.

The cache only grows as pages are used, and goes back to its size before
the write when it ends (memory comes back then), so a worker keeps its
usual footprint between jobs. PostgreSQL: nothing to do.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from app.extensions import db

# KiB (a negative cache_size is in KiB): the pages 100,000 new contacts
# touch in a 100,000-contact database, with room to spare.
CACHE_KIB = 128 * 1024


class PageCache:
    def __init__(self, kib: int = CACHE_KIB):
        self.kib = kib
        self.before: dict[sqlite3.Connection, int] = {}  # connection -> its cache_size before

    def ensure(self) -> None:
        """Give the session's connection the bigger cache (call per chunk:
        after a commit the session may hold another pooled connection)."""
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            return
        raw = connection.connection.driver_connection
        if raw not in self.before:
            self.before[raw] = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute(f"PRAGMA cache_size=-{self.kib}")

    def restore(self) -> None:
        for raw, size in self.before.items():
            try:
                raw.execute(f"PRAGMA cache_size={size}")
            except sqlite3.ProgrammingError:  # closed since (the pool dropped it): nothing to give back
                pass
        self.before.clear()


@contextmanager
def bigger_page_cache(kib: int = CACHE_KIB):
    cache = PageCache(kib)
    try:
        yield cache
    finally:
        cache.restore()
