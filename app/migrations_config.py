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


def upgrade_enabled() -> list[str]:
    """Bring the core and every enabled module to its branch head."""
    bind(current_app._get_current_object())
    from flask_migrate import upgrade

    state = current_app.extensions["steward"]
    branches = ["core"] + [m.name for m in state.enabled[1:] if m.migrations]
    for branch in branches:
        upgrade(revision=f"{branch}@head")
    return branches
