"""Password-reset links: signed, expiring after an hour, and single-use
because they are bound to the current password hash."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import db
from app.models import User

MAX_AGE = 3600
SALT = "steward.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except BadSignature:  # also covers SignatureExpired
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        return None
    return user
