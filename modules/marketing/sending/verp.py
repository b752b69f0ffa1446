"""Per-recipient bounce addresses (VERP): `bounces+<token>@<domain>`, so a
bounce names the recipient row it is about, and a forged one names none.

The bounce work (modules/marketing/verp.py, built beside this) owns the
scheme; this module uses it when present. Until it lands, the same
scheme stands in: `r<id in base 36>-<16 hex digits of an HMAC>`, lower case
only (mail servers may change a local part's case) and well under the 64
characters a local part may hold, so addresses sent before the merge
still read after it."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

SALT = b"steward.marketing.verp"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_ADDRESS = re.compile(r"^[^@+\s<]+\+r([0-9a-z]{1,13})-([0-9a-f]{16})@", re.IGNORECASE)


def _shared():
    try:
        from modules.marketing import verp
    except ImportError:
        return None
    return verp


def _b36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


def _mac(text: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(SALT + key, text.encode(), hashlib.sha256).hexdigest()[:16]


def address(recipient_id: int, domain: str) -> str:
    shared = _shared()
    if shared is not None:
        return shared.address(recipient_id, domain)
    body = _b36(int(recipient_id))
    return f"bounces+r{body}-{_mac(body)}@{domain}"


def recipient_id_of(addr: str) -> int | None:
    shared = _shared()
    if shared is not None:
        return shared.recipient_id_of(addr)
    found = _ADDRESS.match((addr or "").strip().lower())
    if not found or not hmac.compare_digest(found.group(2), _mac(found.group(1))):
        return None
    return int(found.group(1), 36)
