"""Stripe's webhook signature: the `Stripe-Signature` header carries
`t=<unix time>` and one or more `v1=<hex HMAC-SHA256 of "t.body">`, keyed
with the endpoint's signing secret (the whole `whsec_...` string). Several
secrets may be configured while one is rolled over."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

TOLERANCE = 300  # seconds: Stripe's own default; older events are replays


class Refused(Exception):
    """The request is not a Stripe event signed with one of our secrets."""


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The `v1` signature Stripe would send (the tests build payloads with it)."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _parts(header: str) -> tuple[int, list[str]]:
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise Refused("the Stripe-Signature header has no timestamp or no v1 signature")
    return timestamp, signatures


def verify(body: bytes, header: str | None, secrets: Iterable[str], *, now: float | None = None,
           tolerance: int = TOLERANCE) -> None:
    secrets = [s for s in secrets if s]
    if not secrets:
        raise Refused("no Stripe signing secret is set up (Admin → Online donations)")
    if not header:
        raise Refused("no Stripe-Signature header")
    timestamp, signatures = _parts(header)
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise Refused("the signature's timestamp is too old or in the future")
    for secret in secrets:
        expected = sign(body, secret, timestamp)
        if any(hmac.compare_digest(expected, given) for given in signatures):
            return
    raise Refused("no signature matches a configured signing secret")
