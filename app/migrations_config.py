"""One Alembic environment with a branch per module.

The core's revisions live in `migrations/versions/` (branch `core`); each
module ships its own directory, found through its manifest. Every installed
module's directory is on the path, so revisions of a disabled module that are
already in `alembic_version` still resolve; only enabled ones are upgraded.

Flask-Migrate (with Alembic, Mako and Pygments, ~11 MB a process) is imported
only when migrations run: by `bind`, which the `flask db` commands and
`upgrade_enabled` call. The web and worker processes never load it.
"""

from __future__ import annotations

import os

from flask import current_app

from config import BASE_DIR

MIGRATIONS_DIR = BASE_DIR / "migrations"
CORE_VERSIONS = MIGRATIONS_DIR / "versions"


def version_locations(state) -> list[str]:
    return [str(CORE_VERSIONS)] + [
        m.migrations for m in state.installed.values() if m.migrations
    ]


def _configure(config):
    state = current_app.extensions["steward"]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(version_locations(state)))
    return config


def bind(app):
    """Set up Flask-Migrate on `app` (once); returns its `Migrate`."""
    bound = app.extensions.get("migrate")
    if bound is not None:
        return bound.migrate
    from flask_migrate import Migrate

    from app.extensions import db

    ours = app.cli.commands.get("db")  # app.cli's lazy `db` group (app/cli.py) stays
    migrate = Migrate()
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    migrate.configure(_configure)
    if ours is not None:
        app.cli.add_command(ours, "db")
    return migrate


class MigrationFailed(Exception):
    """A branch's upgrade raised: which branch, and what the database (or the
    revision's code) said."""

    def __init__(self, branch: str, error: BaseException):
        self.branch = branch
        self.error = error
        super().__init__(f"migrating {branch!r} failed: {describe(error)}")


def describe(error: BaseException) -> str:
    """The database's own words for a failed statement (psycopg's and sqlite3's
    messages name the table, constraint or value), else the exception itself."""
    original = getattr(error, "orig", None)
    if original is not None:
        return str(original).strip()
    return f"{type(error).__name__}: {error}"


def _alembic_config():
    migrate = bind(current_app._get_current_object())
    return migrate.get_config()


def upgrade_enabled() -> list[str]:
    """Bring the core and every enabled module to its branch head; raises
    MigrationFailed naming the branch that did not get there. Branches before
    it stay migrated (each branch runs in its own transaction)."""
    from alembic import command

    config = _alembic_config()
    state = current_app.extensions["steward"]
    branches = ["core"] + [m.name for m in state.enabled[1:] if m.migrations]
    for branch in branches:
        try:
            command.upgrade(config, f"{branch}@head")
        except Exception as error:
            raise MigrationFailed(branch, error) from error
    return branches


def unknown_revisions(revisions: list[str]) -> list[str]:
    """The revisions among `revisions` that no installed module's migrations
    (nor the core's) define: a database from a newer release, or with a module
    this installation lacks."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(_alembic_config())
    unknown = []
    for revision in revisions:
        try:
            if script.get_revision(revision) is None:
                unknown.append(revision)
        except CommandError:
            unknown.append(revision)
    return unknown
