"""Which modules an administrator chose on Admin → Modules.

The choice is stored in the database (core setting `enabled_modules`) and
applies at the next start: the app reads it once, while it boots, because
enabling a module adds tables (its migrations), pages and jobs that every
worker process must agree on. `STEWARD_MODULES`, where set, wins."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.registry import Module

KEY = "enabled_modules"
log = logging.getLogger(__name__)


def stored(app) -> list[str] | None:
    """The stored choice, read straight from the database at boot (None
    before the first migration, or when nobody chose)."""
    from app.extensions import db
    from app.models import Setting

    with app.app_context():
        try:
            value = db.session.scalar(select(Setting.value).where(Setting.module == "core", Setting.key == KEY))
        except SQLAlchemyError:
            value = None  # no tables yet: the first `flask db upgrade` has not run
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection opened here outlives the boot (forking servers)
    return [str(name) for name in value] if isinstance(value, list) else None


def wanted(app, installed: dict[str, Module]) -> list[str] | None:
    """The modules to enable: STEWARD_MODULES when set, else the stored
    choice (less what is no longer installed), else None: all installed."""
    if app.config["STEWARD_MODULES"] is not None:
        return app.config["STEWARD_MODULES"]
    choice = stored(app)
    if choice is None:
        return None
    gone = [name for name in choice if name not in installed]
    if gone:
        log.warning("modules chosen on Admin → Modules are no longer installed: %s", ", ".join(gone))
    names = [name for name in choice if name in installed]
    # A module needs what it requires: enable that too rather than refuse to start.
    for name in list(names):
        names.extend(req for req in installed[name].requires if req not in names and req in installed)
    return names


def problems(installed: dict[str, Module], chosen: set[str]) -> dict[str, str]:
    """Per module name, why this choice cannot be saved: a chosen module
    needs one that is not chosen."""
    out = {}
    for name in sorted(chosen):
        missing = [installed[r].title for r in installed[name].requires if r not in chosen and r in installed]
        if missing:
            out[name] = f"{installed[name].title} needs {', '.join(missing)}: tick it too, or untick this one."
    return out
