"""SQLite through its online backup API: a consistent copy of a live
database (WAL lets the app go on reading and writing meanwhile), and the
same API backwards to restore, so the live file, its -wal and its -shm stay
consistent instead of being overwritten under a connection."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.backups import BackupError

BUSY_MS = 30_000


def database_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory; there is nothing on disk to back up or restore")
    return Path(url.database).resolve()


def dump(url, out: Path) -> None:
    """Copy the database at `url` into the new file `out`, as one
    self-contained file (rollback journal mode, no -wal beside it)."""
    source = sqlite3.connect(database_path(url), timeout=BUSY_MS / 1000)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"could not copy the SQLite database: {error}") from error
    finally:
        target.close()
        source.close()


def load(url, copy: Path) -> None:
    """Replace the database at `url` with `copy`, in one transaction. Close
    the app's connections first; another process's open connection makes
    this wait up to BUSY_MS, then fail with nothing changed."""
    path = database_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    target = sqlite3.connect(path, timeout=BUSY_MS / 1000)
    try:
        target.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"could not write the SQLite database {path}: {error}") from error
    finally:
        target.close()
        source.close()
