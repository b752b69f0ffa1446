"""Devices that signed in before: a long-lived signed cookie, set at each
successful sign-in, that tells the sign-in limits "this browser has signed in
to these accounts" (app/auth/signin_limits.py).

The cookie holds a random device id and, for each account (up to
`MAX_ACCOUNTS`, the latest kept), the user id with a fingerprint of the
password hash: a new password (or a reset) ends what every device knew. It is
signed with the secret key, HttpOnly, SameSite=Lax and Secure on https.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadData, URLSafeSerializer

from app.models import User

COOKIE = "steward_device"
KEEP_DAYS = 365
MAX_ACCOUNTS = 10


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="steward.device")


def _fingerprint(user: User) -> str:
    key = current_app.secret_key.encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]


def _read() -> tuple[str | None, dict[str, str]]:
    """This browser's device id and the accounts it vouches for."""
    try:
        data = _serializer().loads(request.cookies.get(COOKIE, ""))
    except BadData:
        return None, {}
    device, accounts = (data.get("d"), data.get("a")) if isinstance(data, dict) else (None, None)
    if not isinstance(device, str) or not isinstance(accounts, dict):
        return None, {}
    return device, accounts


def this_device() -> str | None:
    return _read()[0]


def known_device(user: User | None) -> str | None:
    """This browser's device id if it signed in to `user`'s account since
    the password was last set; None otherwise."""
    if user is None or not user.password_hash:
        return None
    device, accounts = _read()
    if device and hmac.compare_digest(str(accounts.get(str(user.id), "")), _fingerprint(user)):
        return device
    return None


def remember(user: User) -> None:
    """Mark this browser as one `user` signs in with (the cookie goes out
    with this request's response)."""
    device, accounts = _read()
    accounts = {uid: fp for uid, fp in accounts.items() if uid != str(user.id)}
    accounts[str(user.id)] = _fingerprint(user)
    value = _serializer().dumps({"d": device or secrets.token_urlsafe(16),
                                 "a": dict(list(accounts.items())[-MAX_ACCOUNTS:])})
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    @after_this_request
    def _set(response):
        response.set_cookie(COOKIE, value, max_age=KEEP_DAYS * 86400, secure=secure, httponly=True, samesite="Lax")
        return response
