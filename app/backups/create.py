"""`flask backup`: write one backup file, then rotate the old ones."""

from __future__ import annotations

import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from app.backups import backup_dir, database, instance_files, manifest, rotation, sqlite
from app.extensions import db


@dataclass
class Written:
    path: Path
    manifest: dict
    removed: list[Path] = field(default_factory=list)


def _database_file() -> Path | None:
    """The SQLite file, which the instance directory may hold (left out of its files)."""
    return sqlite.database_path(db.engine.url) if database.kind() == "sqlite" else None


def create(*, keep: int | None = None, keep_days: int | None = None, now: datetime | None = None) -> Written:
    """Back up the database and the instance files into BACKUP_DIR, then
    remove the backups beyond `keep` or older than `keep_days` (the
    BACKUP_KEEP and BACKUP_KEEP_DAYS settings when not given)."""
    now = now or datetime.now(UTC)
    directory = backup_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance = Path(current_app.instance_path)
    names = instance_files.listing(instance, database=_database_file(), backups=directory)
    target = rotation.new_name(directory, now)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as work:
        dump = database.dump(Path(work))
        key_in_files = instance_files.KEY_FILE in names and instance_files.key_file_in_use(instance)
        about = manifest.build(created_at=now, database=database.kind(), database_file=dump.name,
                               heads=database.heads(), files=names, key_in_files=key_in_files)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                manifest.add(tar, about)
                tar.add(dump, arcname=dump.name)
                instance_files.add(tar, instance, names)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    config = current_app.config
    removed = rotation.rotate(directory, now=now, spare=target,
                              keep=config["BACKUP_KEEP"] if keep is None else keep,
                              keep_days=config["BACKUP_KEEP_DAYS"] if keep_days is None else keep_days)
    return Written(target, about, removed)
