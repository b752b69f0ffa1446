"""The one way to write the audit log. Modules call `record` (or the
helpers), never insert rows themselves."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditEntry

CREATE, UPDATE, DELETE = "create", "update", "delete"
LOGIN, LOGIN_FAILED, LOGOUT = "login", "login_failed", "logout"
DENIED, EXPORT, ROLE_CHANGE = "denied", "export", "role_change"
SEND = "send"  # mail sent on someone's say-so (a test email, a campaign)

ACTIONS = (CREATE, UPDATE, DELETE, LOGIN, LOGIN_FAILED, LOGOUT, DENIED, EXPORT, ROLE_CHANGE, SEND)


def _json_safe(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def _by(user) -> str:
    """Who did it, as the log names them: the user's email, and the API
    token's name when the change came through the API."""
    name = getattr(user, "email", "") or ""
    token = g.get("api_token_name") if has_request_context() else None
    if token:
        name = f"{name} (API token “{token}”)"
    return name[:254]


def record(action: str, obj=None, *, object_type: str | None = None, object_id=None,
           summary: str = "", changes: dict | None = None, user=None, actor: str | None = None) -> AuditEntry:
    """Add an entry to the session; the caller's commit saves it with the change."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary[:2000],
        changes={k: [_json_safe(a), _json_safe(b)] for k, (a, b) in changes.items()} if changes else None,
        user_id=getattr(user, "id", None),
        actor=actor or _by(user),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def record_many(action: str, object_type: str, entries, *, user=None, actor: str | None = None) -> int:
    """Bulk `record`: one entry per `(object_id, summary, changes or None)` in
    `entries`, written with executemany (imports, bulk actions). Like
    `record`, it joins the caller's transaction."""
    from app import bulk_insert
    from app.models.base import utcnow

    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    common = (action, object_type, getattr(user, "id", None), actor or _by(user),
              request.remote_addr if has_request_context() else None, utcnow())
    rows = [(*common, None if oid is None else str(oid), summary[:2000],
             {k: [_json_safe(a), _json_safe(b)] for k, (a, b) in changes.items()} if changes else None)
            for oid, summary, changes in entries]
    if rows:
        if db.session.autoflush:
            db.session.flush()  # as an ORM insert would: entries added with `record` come first
        bulk_insert.insert_rows(AuditEntry.__table__, _MANY_COLUMNS, rows)
    return len(rows)


_MANY_COLUMNS = ("action", "object_type", "user_id", "actor", "ip", "at", "object_id", "summary", "changes")


def diff(obj, fields: dict) -> dict:
    """Apply `fields` to `obj` and return `{name: (old, new)}` for what changed."""
    changed = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changed[name] = (old, value)
            setattr(obj, name, value)
    return changed
