"""`flask restore FILE`: put a backup back, after checking that this
release can run it and that it overwrites nothing unasked."""

from __future__ import annotations

import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from app.backups import BackupError, backup_dir, database, instance_files, manifest
from app.extensions import db


@dataclass
class Restored:
    manifest: dict
    files: list[str]
    migrated: list[str] = field(default_factory=list)
    key_differs: bool = False


def check(about: dict, path) -> None:
    """Refuse a backup this release cannot restore into this database."""
    from app.migrations_config import unknown_revisions

    here = database.kind()
    if about["database"] != here:
        raise BackupError(f"{path} holds a {about['database']} database, and DATABASE_URL points at {here}; "
                          f"restore it into a {about['database']} database")
    unknown = unknown_revisions(about["migration_heads"])
    if unknown:
        missing = sorted(set(about["modules"]) - set(current_app.extensions["steward"].installed))
        raise BackupError(
            f"{path} was made by Steward {about['steward_version']} with database revisions this release "
            f"(Steward {manifest.steward_version()}) does not know: {', '.join(unknown)}. "
            + (f"It used modules that are not installed here: {', '.join(missing)}. " if missing else "")
            + "Restore it with the same release or a newer one.")


def restore(path: Path, *, force: bool = False, migrate: bool = True) -> Restored:
    """Replace the database and the instance's files with the backup's, then
    migrate to this release's heads (`migrate=False`: leave it as backed up).
    Refuses (BackupError) a database that holds data, saying what, unless `force`."""
    from app.migrations_config import upgrade_enabled

    instance = Path(current_app.instance_path)
    try:
        tar = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} cannot be read as a backup: {error}") from error
    with tar:
        about = manifest.read(tar, path)
        check(about, path)
        held = [] if force else database.contents()
        if held:
            heads = ", ".join(database.heads()) or "none"
            where = db.engine.url.render_as_string(hide_password=True)
            raise BackupError(
                f"the database {where} already holds {', '.join(held)} (migration revisions {heads}); restoring "
                f"{path.name} replaces all of it. Run again with --force to go ahead.")
        # Restored files replace instance/secret_key; a SECRET_KEY from the
        # environment stays what the app uses.
        key_from_file = instance_files.key_file_in_use(instance)
        directory = backup_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        dump_name = database.DUMP_FILES[about["database"]]
        with tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as work:
            try:
                tar.extract(dump_name, work, filter="data")
            except KeyError as error:
                raise BackupError(f"{path} holds no database ({dump_name} is missing)") from error
            database.load(Path(work) / dump_name)
        files = instance_files.restore(tar, instance)
    restored = Restored(about, files)
    key_file = instance / instance_files.KEY_FILE
    key = key_file.read_text().strip() if key_from_file else current_app.config["SECRET_KEY"]
    restored.key_differs = manifest.key_fingerprint(key) != about["secret_key_fingerprint"]
    if migrate:
        restored.migrated = upgrade_enabled()
        from app.dbstats import refresh_statistics

        refresh_statistics()
    return restored
