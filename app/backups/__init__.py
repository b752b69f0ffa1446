"""Backups, restore and upgrades: `flask backup`, `flask restore FILE` and
`flask upgrade` (cli.py).

A backup is one gzip-compressed tar file in BACKUP_DIR (instance/backups by
default), named `steward-backup-YYYY-MM-DD-HHMMSSZ.tar.gz` after the time it
was taken (UTC), readable by its owner only. It holds:

    manifest.json       what made it (manifest.py): Steward's version, the enabled
                        modules and their versions, the database's migration
                        revisions (its alembic_version rows), the database kind
    database.sqlite3    SQLite: a copy taken through the online backup API
    database.pgdump     PostgreSQL: `pg_dump --format=custom`
    instance/...        the instance directory's own files: the generated secret
                        key, receipt PDFs, exports (instance_files.py)

It is written under a temporary name and renamed once complete, so a file
with a backup's name is always a whole backup.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app


class BackupError(Exception):
    """What stops a backup, a restore or an upgrade, in words for an administrator."""


def backup_dir() -> Path:
    """BACKUP_DIR, or `backups/` in the instance directory."""
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured).resolve() if configured else Path(current_app.instance_path) / "backups"
