"""Server-side sign-in sessions.

The signed cookie carries only a random token; the row in `core_user_session`
is the truth. Logging out deletes the row, so a copied cookie is useless
afterwards; an idle session expires after `SESSION_IDLE_MINUTES`
("remember me" sessions after `REMEMBER_DAYS`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from app.auth import devices
from app.extensions import db, login_manager
from app.models import Role, User, UserSession
from app.models.base import utcnow
from app.statements import built_once

TOUCH_EVERY = timedelta(seconds=60)  # write last_seen_at at most this often


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit(row: UserSession) -> timedelta:
    if row.remember:
        return timedelta(days=current_app.config["REMEMBER_DAYS"])
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def start(user: User, remember: bool) -> None:
    """Sign `user` in with a fresh session (never reuse the old cookie), and
    remember this browser as one of their devices (app/auth/devices.py)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(
        token=_digest(token), user_id=user.id, remember=remember,
        ip=request.remote_addr, user_agent=(request.user_agent.string or "")[:255],
    ))
    user.last_login_at = utcnow()
    db.session.commit()
    user.session_token = token
    login_user(user)
    session.permanent = remember
    devices.remember(user)


def end(user: User) -> None:
    if user.session_token:
        db.session.execute(db.delete(UserSession).where(UserSession.token == _digest(user.session_token)))
        db.session.commit()
    logout_user()
    g.pop("steward_perms", None)  # app.permissions: this request's answers were the user's
    session.clear()


def end_all(user: User) -> None:
    """Sign a user out everywhere (password reset, deactivation)."""
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))


def end_others(user: User) -> None:
    """Sign a user out on every other device (after a password change)."""
    db.session.execute(db.delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.token != _digest(user.session_token or "")))


@built_once
def _session_query():
    """The session with its user and role, in one query (building the loader
    options on every request cost ~0.3 ms of CPU). The
    role's grants only matter for a custom role (app.permissions.role_permissions):
    loaded when read, not on every request as the relationship's default would."""
    return select(UserSession).where(UserSession.token == bindparam("token")).options(
        joinedload(UserSession.user).joinedload(User.role).options(lazyload(Role.grants)))


@login_manager.user_loader
def load_user(token: str) -> User | None:
    row = db.session.execute(_session_query(), {"token": _digest(token)}).scalar_one_or_none()
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > _idle_limit(row) or not row.user.active:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    row.user.session_token = token
    return row.user
