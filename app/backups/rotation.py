"""Backup file names and rotation: keep the newest N backups, and none older
than D days. Only files named like a backup are ever removed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

PREFIX = "steward-backup-"
SUFFIX = ".tar.gz"
STAMP = "%Y-%m-%d-%H%M%S"
# steward-backup-2026-12-06-031500Z.tar.gz, or ...Z-1.tar.gz for a second
# backup within the same second.
NAME = re.compile(r"^steward-backup-(\d{4}-\d\d-\d\d-\d{6})Z(?:-(\d+))?\.tar\.gz$")


def taken_at(path: Path) -> datetime | None:
    match = NAME.match(path.name)
    return datetime.strptime(match[1], STAMP).replace(tzinfo=UTC) if match else None


def _order(path: Path) -> tuple[datetime, int]:
    match = NAME.match(path.name)
    return taken_at(path), int(match[2] or 0)


def backups_in(directory: Path) -> list[Path]:
    """The backups in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if p.is_file() and NAME.match(p.name)), key=_order)


def new_name(directory: Path, now: datetime) -> Path:
    """A free name for a backup taken at `now`, ordered after any other
    backup taken within the same second."""
    stamp = f"{PREFIX}{now.astimezone(UTC).strftime(STAMP)}Z"
    same_second = [_order(p)[1] for p in backups_in(directory) if p.name.startswith(stamp)]
    if not same_second:
        return directory / f"{stamp}{SUFFIX}"
    return directory / f"{stamp}-{max(same_second) + 1}{SUFFIX}"


def rotate(directory: Path, *, keep: int, keep_days: int, now: datetime, spare: Path) -> list[Path]:
    """Remove the backups beyond the newest `keep` and those taken more than
    `keep_days` days before `now` (0 turns either rule off), never `spare`
    (the one just written). Returns what was removed."""
    backups = backups_in(directory)
    doomed = set(backups[:-keep]) if keep > 0 else set()
    if keep_days > 0:
        cutoff = now - timedelta(days=keep_days)
        doomed |= {p for p in backups if taken_at(p) < cutoff}
    removed = [p for p in backups if p in doomed and p != spare]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
