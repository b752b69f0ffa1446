"""Runtime settings stored in the database, with defaults from the manifests."""

from __future__ import annotations

from flask import current_app, g

from app.extensions import db
from app.models import Setting


def defaults(module: str) -> dict:
    state = current_app.extensions["steward"]
    manifest = next((m for m in state.enabled if m.name == module), None)
    return dict(manifest.settings) if manifest else {}


def get_all(module: str) -> dict:
    """Every setting of `module`, cached for the request."""
    cache = g.setdefault("steward_settings", {})
    if module not in cache:
        values = defaults(module)
        for row in db.session.scalars(db.select(Setting).where(Setting.module == module)):
            values[row.key] = row.value
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
    return changed
