"""Funds (designations) and appeals (campaigns): the rules for saving one,
shared by Admin → Funds and appeals and the API."""

from __future__ import annotations

from sqlalchemy import func, select

from app import audit
from app.extensions import db
from modules.pipeline.models import Appeal


def name_taken(model, name: str, item) -> bool:
    """Another fund (or appeal) already has this name, case aside."""
    stmt = select(model.id).where(func.lower(model.name) == name.lower())
    if item is not None:
        stmt = stmt.where(model.id != item.id)
    return db.session.execute(stmt.limit(1)).first() is not None


def taken_message(noun: str, name: str) -> str:
    return f"There is already a {noun} named “{name}”."


def save(model, form, item, noun: str):
    """Add (item None) or change a fund or appeal from its checked form, with
    the audit entry; returns (item, changes) and flushes. The caller has
    checked `name_taken` and commits."""
    values = {"name": form.name.data, "code": form.code.data or "", "active": bool(form.active.data)}
    if model is Appeal:
        values.update(starts_on=form.starts_on.data, ends_on=form.ends_on.data)
    else:
        values["in_letters"] = form.in_letters.data or ""
    if item is None:
        item = model(**values)
        db.session.add(item)
        db.session.flush()
        audit.record(audit.CREATE, item, summary=f"Added the {noun} “{item.name}”")
        return item, values
    changes = audit.diff(item, values)
    if changes:
        audit.record(audit.UPDATE, item, changes=changes, summary=f"Changed the {noun} “{item.name}”")
    db.session.flush()
    return item, changes


