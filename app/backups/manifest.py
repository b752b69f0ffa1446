"""manifest.json: what a backup was made by and from, read back before a
restore touches anything."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import tarfile
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from flask import current_app

from app.backups import BackupError

NAME = "manifest.json"
FORMAT = 1
REQUIRED = ("steward_version", "created_at", "database", "migration_heads", "modules", "secret_key_fingerprint")


def steward_version() -> str:
    try:
        return version("steward")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def key_fingerprint(key: str) -> str:
    """Tells two SECRET_KEYs apart without revealing either."""
    return hmac.new(key.encode(), b"steward backup: which secret key", hashlib.sha256).hexdigest()[:16]


def build(*, created_at: datetime, database: str, database_file: str, heads: list[str],
          files: list[str], key_in_files: bool) -> dict:
    state = current_app.extensions["steward"]
    return {
        "format": FORMAT,
        "steward_version": steward_version(),
        "created_at": created_at.isoformat(timespec="seconds"),
        "database": database,
        "database_file": database_file,
        "migration_heads": heads,
        "modules": {m.name: m.version for m in state.enabled[1:]},
        # "instance": the key is instance/secret_key, in `files`; "environment":
        # SECRET_KEY was set, and is not in the backup.
        "secret_key": "instance" if key_in_files else "environment",
        "secret_key_fingerprint": key_fingerprint(current_app.config["SECRET_KEY"]),
        "files": files,
    }


def add(tar: tarfile.TarFile, manifest: dict) -> None:
    data = json.dumps(manifest, indent=2).encode()
    info = tarfile.TarInfo(NAME)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def read(tar: tarfile.TarFile, path) -> dict:
    try:
        manifest = json.load(tar.extractfile(NAME))
    except (KeyError, ValueError, TypeError) as error:
        raise BackupError(f"{path} is not a Steward backup: it has no readable {NAME}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is a backup in format {manifest.get('format')!r}, which this release "
                          f"(Steward {steward_version()}) cannot read; restore it with a newer release")
    missing = [key for key in REQUIRED if key not in manifest]
    if missing:
        raise BackupError(f"{path} is damaged: its {NAME} lacks {', '.join(missing)}")
    return manifest
