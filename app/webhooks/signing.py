"""Secrets and signatures, as the Standard Webhooks specification has them
(https://www.standardwebhooks.com): the secret is `whsec_` + base64 of
random bytes; `webhook-signature` is `v1,` + base64 of HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}`, keyed with the decoded secret.
During a rotation both secrets sign, space-separated, so a receiver holding
either one accepts the message (docs/webhooks.md shows the check)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from app.models import WebhookEndpoint

PREFIX = "whsec_"
OLD_SECRET_LASTS = timedelta(hours=24)


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_expires_at and endpoint.previous_expires_at > now:
        found.append(endpoint.previous_secret)
    return found


def headers(endpoint: WebhookEndpoint, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    signatures = " ".join(sign(secret, msg_id, timestamp, body) for secret in signing_secrets(endpoint, now))
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures}


def rotate(endpoint: WebhookEndpoint, now: datetime) -> None:
    """A new secret; the current one keeps signing for OLD_SECRET_LASTS."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_expires_at = now + OLD_SECRET_LASTS
    endpoint.secret = new_secret()
    endpoint.secret_shown = False
