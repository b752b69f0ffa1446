"""The pipeline & giving pages to bench, found in the running app when the
`pipeline` module is enabled: the board at /pipeline/ (the first pipeline's),
the contact page of the donor with the most gifts, and the contact list
filtered by the module's LYBUNT and SYBUNT criteria.

Each is {"path", "note"}, or {"missing": why} when the view or the data is not
there (the module is young: a page it does not serve yet is reported, not fatal).
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select


def _board(app) -> dict:
    from app.extensions import db
    from modules.pipeline.models import Pipeline

    if "/pipeline/" not in {rule.rule for rule in app.url_map.iter_rules()}:
        return {"missing": "no /pipeline/ page yet"}
    first = db.session.scalar(select(Pipeline).where(Pipeline.archived.is_(False))
                              .order_by(Pipeline.position, Pipeline.id).limit(1))
    if first is None:
        return {"missing": "no pipeline in the data"}
    return {"path": "/pipeline/", "note": f"board of “{first.name}”"}


def _donor() -> dict:
    from app.extensions import db
    from modules.pipeline.models import Gift

    row = db.session.execute(select(Gift.contact_id, func.count()).group_by(Gift.contact_id)
                             .order_by(func.count().desc(), Gift.contact_id).limit(1)).first()
    if row is None:
        return {"missing": "no gifts in the data"}
    return {"path": f"/contacts/{row[0]}", "note": f"the donor with the most gifts ({row[1]:,})"}


def _criterion(name: str) -> dict:
    """The filter rule whose criterion, or one of its choices, is `name`
    ("lybunt", "sybunt"); its first operator is taken as the positive one
    ("is", "yes")."""
    from modules.contacts.hooks import filter_specs

    for spec in filter_specs().values():
        op = next(iter(spec.ops), "")
        for value, label in (spec.choices() if spec.choices else []):
            if name in f"{value} {label}".lower():
                return {"path": "/contacts/?" + urlencode({"f": f"{spec.key}:{op}:{value}"}),
                        "note": f"filter “{spec.label}: {label}”"}
        if name in f"{spec.key} {spec.label}".lower():
            return {"path": "/contacts/?" + urlencode({"f": f"{spec.key}:{op}:"}), "note": f"filter “{spec.label}”"}
    return {"missing": f"no {name.upper()} filter yet"}


def discover(app) -> dict:
    pages = {}
    for name, find in (("board", lambda: _board(app)), ("donor", _donor), ("lybunt", lambda: _criterion("lybunt")),
                       ("sybunt", lambda: _criterion("sybunt"))):
        try:
            pages[name] = find()
        except Exception as error:  # noqa: BLE001 (a half-built module must not stop the other figures)
            pages[name] = {"missing": f"could not be found: {type(error).__name__}: {error}"[:200]}
    return pages
