"""Per-recipient bounce addresses (VERP): `bounces+<token>@<domain>`, the
token a signed recipient id, so a bounce names the row it belongs to and a
forged one names none. The bounce handler calls `recipient_id_of`."""

from __future__ import annotations

import re

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "steward.marketing.verp"
_ADDRESS = re.compile(r"^bounces\+([A-Za-z0-9_.-]+)@", re.IGNORECASE)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def address(recipient_id: int, domain: str) -> str:
    return f"bounces+{_signer().dumps(recipient_id)}@{domain}"


def recipient_id_of(addr: str) -> int | None:
    match = _ADDRESS.match(addr or "")
    if not match:
        return None
    try:
        value = _signer().loads(match.group(1))
    except BadSignature:
        return None
    return value if isinstance(value, int) else None
