"""The instance directory's own files in a backup: the generated secret key
and what the app wrote there (receipt PDFs, exports). Left out: the SQLite
database (the backup has its own consistent copy), the embedded Redis's
files (a queue and rate-limit counters, rebuilt as needed), the backups
themselves, and anything that is not a regular file (sockets)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from flask import current_app

PREFIX = "instance/"
KEY_FILE = "secret_key"


def key_file_in_use(instance: Path) -> bool:
    """Whether the app's SECRET_KEY is instance/secret_key (generated there
    when SECRET_KEY is not set) rather than one from the environment."""
    key_file = instance / KEY_FILE
    return key_file.is_file() and key_file.read_text().strip() == current_app.config["SECRET_KEY"]


def listing(instance: Path, *, database: Path | None, backups: Path) -> list[str]:
    """Paths, relative to `instance`, of the files a backup takes."""
    instance = instance.resolve()
    if not instance.is_dir():
        return []
    skipped = {instance / "redis.db", instance / "redis.db.settings"}
    if database is not None:
        skipped |= {database.with_name(database.name + end) for end in ("", "-wal", "-shm", "-journal")}
    found = []
    for root, subdirs, names in os.walk(instance):
        here = Path(root)
        subdirs[:] = sorted(d for d in subdirs if here / d != backups.resolve() and not (here / d).is_symlink())
        for name in sorted(names):
            path = here / name
            if path not in skipped and not path.is_symlink() and path.is_file():
                found.append(path.relative_to(instance).as_posix())
    return found


def add(tar: tarfile.TarFile, instance: Path, names: list[str]) -> None:
    for name in names:
        tar.add(instance / name, arcname=PREFIX + name, recursive=False)


def restore(tar: tarfile.TarFile, instance: Path) -> list[str]:
    """Write the backup's instance files into `instance` (replacing files of
    the same name, leaving others); returns their names. tarfile's "data"
    filter refuses members that would land outside `instance`."""
    members = []
    for member in tar.getmembers():
        if member.name.startswith(PREFIX) and member.isfile():
            member.name = member.name.removeprefix(PREFIX)
            members.append(member)
    instance.mkdir(parents=True, exist_ok=True)
    tar.extractall(instance, members=members, filter="data")
    return [m.name for m in members]
