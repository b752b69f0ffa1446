"""Rate limits per token, in Flask-Limiter's storage (Redis, shared by every
process), announced with the IETF draft's `RateLimit-Policy` and `RateLimit`
headers (draft-ietf-httpapi-ratelimit-headers): the policy's quota `q` and
window `w` in seconds, the remaining requests `r` and the seconds `t` until
the window resets."""

from __future__ import annotations

import time

from flask import current_app, g
from limits import parse

from app.limiter import limiter

POLICY = "token"


def _item():
    return parse(current_app.config.get("API_RATE_LIMIT", "600/minute"))


def hit(token_id: int) -> bool:
    """Count one request of the token; False when it is over its limit. The
    headers for the answer are kept on `g`."""
    item = _item()
    try:
        allowed = limiter.limiter.hit(item, "api", str(token_id))
        stats = limiter.limiter.get_window_stats(item, "api", str(token_id))
    except Exception:  # noqa: BLE001 (storage down: serve, unlimited, as sign-in does)
        current_app.logger.warning("API rate limit storage unavailable; not limiting")
        return True
    reset = max(0, int(stats.reset_time - time.time()))
    g.api_rate_headers = {
        "RateLimit-Policy": f'"{POLICY}";q={item.amount};w={item.get_expiry()}',
        "RateLimit": f'"{POLICY}";r={stats.remaining};t={reset}',
    }
    if not allowed:
        g.api_rate_headers["Retry-After"] = str(max(reset, 1))
    return allowed


def add_headers(response):
    for name, value in (g.get("api_rate_headers") or {}).items():
        response.headers[name] = value
    return response
