"""Runtime settings stored in the database, with defaults from the manifests."""

from __future__ import annotations

from flask import current_app, g

from app.extensions import db
from app.models import Setting
from app.statements import built_once


def defaults(module: str) -> dict:
    state = current_app.extensions["steward"]
    manifest = next((m for m in state.enabled if m.name == module), None)
    return dict(manifest.settings) if manifest else {}


@built_once
def _stored_query():
    return db.select(Setting.module, Setting.key, Setting.value)


def _stored() -> dict[str, dict]:
    """Every stored setting of every module, read once per request in one
    query (a page reads the core's, the contacts' and the pipeline's: the
    table holds a few dozen rows)."""
    stored = g.get("steward_stored_settings")
    if stored is None:
        stored = {}
        for module, key, value in db.session.execute(_stored_query()):
            stored.setdefault(module, {})[key] = value
        g.steward_stored_settings = stored
    return stored


def get_all(module: str) -> dict:
    """Every setting of `module`, cached for the request."""
    cache = g.setdefault("steward_settings", {})
    if module not in cache:
        values = defaults(module)
        values.update(_stored().get(module, {}))
        cache[module] = values
    return cache[module]


def get(module: str, key: str):
    return get_all(module).get(key)


def is_stored(module: str, key: str) -> bool:
    """Whether `key` was ever saved (put() stores a value only when it differs
    from what was there), as opposed to still being the manifest's default."""
    return key in _stored().get(module, {})


def put(module: str, values: dict) -> dict:
    """Store `values`; returns `{key: (old, new)}` for what changed."""
    current = get_all(module)
    changed = {}
    for key, value in values.items():
        if current.get(key) != value:
            changed[key] = (current.get(key), value)
            row = db.session.get(Setting, (module, key)) or Setting(module=module, key=key)
            row.value = value
            db.session.add(row)
    forget()
    return changed


def forget() -> None:
    """Drop this request's cached settings, so the next read is of what is stored."""
    g.pop("steward_settings", None)
    g.pop("steward_stored_settings", None)


class Edited:
    """A module's settings as the record an edit form saves (app/edits):
    `settle(form, Edited("core"), current)` locks the settings table, reads
    them afresh, and names who changed them from the audit log entries
    recorded as `core_setting` / module."""

    __tablename__ = "core_setting"
    updated_at = None

    def __init__(self, module: str):
        self.id = module

    def hold_edit_lock(self) -> None:
        from app.database import hold_write_lock

        hold_write_lock(db.session, Setting.__tablename__)
        db.session.expire_all()
        forget()
