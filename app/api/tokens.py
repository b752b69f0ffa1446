"""Personal access tokens: made, found, revoked. The secret is shown once
and stored as its sha256 (a 256-bit random secret needs no slow hash)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app

from app import audit
from app.extensions import db
from app.models import ApiToken, User
from app.models.base import utcnow
from app.permissions import role_permissions

PREFIX = "stw_"
MAX_DAYS = 3650
TOUCH_EVERY = timedelta(seconds=60)  # write last_used_at at most this often


class TokenProblem(ValueError):
    """Why a token cannot be made as asked (the message is for the person;
    `field` the form field it is about)."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_permissions(app=None) -> list[str]:
    """The permissions some API route declares: what a token's scopes choose from."""
    state = (app or current_app).extensions["steward"]
    return sorted(state.api_permissions)


def grantable(user: User) -> list[str]:
    """The scopes `user` may give a token: API permissions they hold now."""
    held = role_permissions(user.role)
    return [p for p in api_permissions() if p in held]


def create(user: User, name: str, scopes: list[str] | None, days: int, *,
           by: User | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret (shown once, never stored).
    `scopes` None: every API permission the user holds now."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenProblem("Give the token a name (up to 100 characters), such as the script that uses it.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenProblem(f"A token lasts between 1 and {MAX_DAYS} days.", "expires")
    allowed = grantable(user)
    scopes = allowed if scopes is None else sorted(set(scopes))
    beyond = [s for s in scopes if s not in allowed]
    if beyond:
        raise TokenProblem(f"{user.name} does not hold {', '.join(beyond)}: a token cannot have more than its user.",
                           "scopes")
    if not scopes:
        raise TokenProblem("Choose at least one thing the token may do.", "scopes")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), prefix=secret[:10], scopes=scopes,
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(audit.CREATE, token, user=by or user,
                 summary=f"Created the API token “{name}” for {user.email}",
                 changes={"scopes": (None, scopes), "expires_at": (None, token.expires_at)})
    return token, secret


def revoke(token: ApiToken, *, by: User) -> bool:
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(audit.UPDATE, token, user=by, summary=f"Revoked the API token “{token.name}”",
                 changes={"revoked": (False, True)})
    return True


def find(secret: str) -> ApiToken | None:
    """The live token with this secret: not revoked, not expired, its user active."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    if not token.user.active:
        return None
    return token


def permissions(token: ApiToken) -> frozenset[str]:
    """What the token may do now: its scopes, within what its user holds now."""
    return role_permissions(token.user.role) & frozenset(token.scopes or ())


def touch(token: ApiToken, ip: str | None) -> None:
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY or token.last_used_ip != ip:
        token.last_used_at, token.last_used_ip = now, ip
        db.session.commit()


def state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return "expired"
    return "active"
