"""`flask backup`, `flask restore FILE` and `flask upgrade`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1_048_576:.1f} MB" if size >= 104_858 else f"{size / 1024:.0f} kB"


def _take_backup(keep=None, keep_days=None):
    from app.backups import BackupError
    from app.backups.create import create

    try:
        written = create(keep=keep, keep_days=keep_days)
    except BackupError as error:
        raise click.ClickException(f"no backup was written: {error}") from error
    about = written.manifest
    heads = about["migration_heads"]
    click.echo(f"Backup written: {written.path} ({_size(written.path)}): the {about['database']} database "
               f"{'at ' + ', '.join(heads) if heads else '(not migrated yet)'}, {len(about['files'])} instance "
               f"file(s){', the secret key among them' if about['secret_key'] == 'instance' else ''}.")
    for path in written.removed:
        click.echo(f"Removed old backup {path.name}.")
    return written


@click.command("backup")
@click.option("--keep", type=click.IntRange(min=0), metavar="N",
              help="Keep only the newest N backups [default: BACKUP_KEEP, 14; 0 keeps all].")
@click.option("--keep-days", type=click.IntRange(min=0), metavar="D",
              help="Remove backups older than D days [default: BACKUP_KEEP_DAYS, 0: none for age].")
@with_appcontext
def backup_command(keep: int | None, keep_days: int | None):
    """Back up the database, the secret key and the instance's files into one
    file in BACKUP_DIR (instance/backups), then remove old backups. Safe while
    Steward runs: the copy is consistent."""
    _take_backup(keep, keep_days)


def _report_restore(restored) -> None:
    about = restored.manifest
    click.echo(f"Restored the {about['database']} database and {len(restored.files)} instance file(s) "
               f"from a backup taken {about['created_at']} by Steward {about['steward_version']}.")
    if restored.migrated:
        click.echo(f"Database is up to date: {', '.join(restored.migrated)}.")
    if restored.key_differs:
        click.echo("Note: this backup was made with another SECRET_KEY. Set SECRET_KEY to the one in use "
                   "then (keep steward.env with your backups): password-reset links and the markers of "
                   "erased contacts depend on it.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file: Path, force: bool):
    """Restore a backup made by `flask backup`: the database, then the secret
    key and files, then migrate to this release. Refuses a database that
    holds data (unless --force) and a backup from a newer release. Stop the
    web server and the worker first, and start them again afterwards."""
    from app.backups import BackupError
    from app.backups.restore import restore
    from app.migrations_config import MigrationFailed

    try:
        restored = restore(file, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    except MigrationFailed as failed:
        raise click.ClickException(f"the backup was restored, but {failed}") from failed
    _report_restore(restored)
    click.echo("Restart the web server and the worker.")


@click.command("upgrade")
@with_appcontext
def upgrade_command():
    """Back up, then migrate the core and every enabled module (what `flask
    db upgrade` does). If a migration fails, put the backup back and say what
    failed. Stop the web server and the worker first."""
    from app.backups import BackupError
    from app.backups.restore import restore
    from app.dbstats import refresh_statistics
    from app.migrations_config import MigrationFailed, upgrade_enabled

    written = _take_backup()
    try:
        branches = upgrade_enabled()
    except MigrationFailed as failed:
        click.echo(f"Upgrade failed: {failed}", err=True)
        try:
            restore(written.path, force=True, migrate=False)
        except BackupError as error:
            raise click.ClickException(
                f"putting the backup back failed too: {error}. Fix that, then run "
                f"`flask restore --force {written.path}`.") from error
        raise click.ClickException(
            f"the upgrade stopped at {failed.branch!r}; the database and the instance files were put back "
            f"as they were, from {written.path}.") from failed
    refresh_statistics()
    click.echo(f"Database is up to date: {', '.join(branches)}.")
