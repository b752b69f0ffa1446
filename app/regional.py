"""The organisation's regional settings as one set of facts (app/countries.py
names them), wherever each is stored: the core keeps the country, timezone,
currency and locale; an enabled module keeps the ones it declares in its
manifest's `country_settings` (contacts: the phone region; pipeline: the
fiscal year, the receipts' paper and wording). Nothing is stored twice."""

from __future__ import annotations

from flask import current_app

from app import countries, settings


def owners() -> dict[str, tuple[str, str]]:
    """fact -> (module, setting key), for the enabled modules."""
    found = {}
    for manifest in current_app.extensions["steward"].enabled:
        for key, fact in manifest.country_settings.items():
            found[fact] = (manifest.name, key)
    return found


def stored() -> dict[str, object]:
    """fact -> its value now."""
    return {fact: settings.get(module, key) for fact, (module, key) in owners().items()}


def store(values: dict[str, object]) -> dict[str, tuple]:
    """Save the facts given; returns {fact: (old, new)} for what changed."""
    where = owners()
    by_module: dict[str, dict] = {}
    for fact, value in values.items():
        if fact in where:
            module, key = where[fact]
            by_module.setdefault(module, {})[key] = (fact, value)
    changed = {}
    for module, items in by_module.items():
        done = settings.put(module, {key: value for key, (_, value) in items.items()})
        changed.update({items[key][0]: change for key, change in done.items()})
    return changed


def resolve(values: dict[str, object]) -> dict[str, object]:
    """Blank facts take the country's proposal, or else keep what is stored."""
    proposed = countries.proposal(values.get("country") or "")
    now = stored()
    return {fact: value if value not in (None, "") else proposed.get(fact, now.get(fact))
            for fact, value in values.items()}
