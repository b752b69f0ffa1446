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
    g.pop("steward_settings", None)
    g.pop("steward_stored_settings", None)
    return changed
