"""Signed tokens of tracked links and the open pixel. A click token names
(campaign, recipient, link): the redirect goes only to that link row of that
campaign, so an altered or made-up token is a 404, never an open redirect.
Neither names a contact."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

CLICK_SALT = "steward.marketing.click"
OPEN_SALT = "steward.marketing.open"


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def clicker() -> URLSafeSerializer:
    return _signer(CLICK_SALT)


def opener() -> URLSafeSerializer:
    return _signer(OPEN_SALT)


def _ints(value, n: int) -> tuple[int, ...] | None:
    if isinstance(value, list) and len(value) == n and all(type(v) is int and 0 < v < 2**62 for v in value):
        return tuple(value)
    return None


def read_click(token: str) -> tuple[int, int, int] | None:
    """(campaign id, recipient id, link id), or None for a bad token."""
    try:
        return _ints(clicker().loads(token), 3)
    except (BadSignature, ValueError, TypeError):
        return None


def read_open(token: str) -> tuple[int, int] | None:
    """(campaign id, recipient id), or None for a bad token."""
    try:
        return _ints(opener().loads(token), 2)
    except (BadSignature, ValueError, TypeError):
        return None
