"""VERP: each campaign message goes out with its own return path,
`bounces+<token>@example.org`, so a bounce names the recipient row it is
about even when the bounce quotes nothing of the original message.

The token is the recipient's id and a short HMAC of it (the app's secret,
its own salt), in lower case only: mail servers may change the case of a
local part, and the whole address must stay under 64 characters before the
@. The sending engine calls `return_path`; the bounce handler calls `read`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from email.utils import parseaddr

from flask import current_app

SALT = b"steward.marketing.verp"
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
TOKEN = re.compile(r"^r([0-9a-z]{1,13})-([0-9a-f]{16})$")


def _b36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = DIGITS[digit] + out
        if not number:
            return out


def _mac(text: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(SALT + key, text.encode(), hashlib.sha256).hexdigest()[:16]


def make_token(recipient_id: int) -> str:
    """`r<id in base 36>-<16 hex digits of HMAC>`."""
    body = _b36(int(recipient_id))
    return f"r{body}-{_mac(body)}"


def read_token(token: str) -> int | None:
    """The recipient id a token names, or None for a forged or mangled one."""
    found = TOKEN.match((token or "").strip().lower())
    if not found or not hmac.compare_digest(found.group(2), _mac(found.group(1))):
        return None
    return int(found.group(1), 36)


def return_path(recipient_id: int, bounce_address: str) -> str:
    """`bounces@example.org` → `bounces+r2n9c-0f3a...@example.org` (the envelope sender)."""
    local, _, domain = bounce_address.strip().rpartition("@")
    if not local or not domain:
        raise ValueError(f"not an email address: {bounce_address!r}")
    local = local.split("+", 1)[0]
    return f"{local}+{make_token(recipient_id)}@{domain}"


def read(address: str) -> int | None:
    """The recipient id in a VERP address (`Name <bounces+token@...>` too), or None."""
    local = parseaddr(address or "")[1].rpartition("@")[0]
    if "+" not in local:
        return None
    return read_token(local.split("+", 1)[1])


def address(recipient_id: int, domain: str) -> str:
    """`bounces+<token>@<domain>`: the sending engine's spelling of `return_path`."""
    return return_path(recipient_id, f"bounces@{domain}")


def recipient_id_of(addr: str) -> int | None:
    """The sending engine's spelling of `read`."""
    return read(addr)
