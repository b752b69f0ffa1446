"""Who else has a ticket open, and who is typing a reply: short-lived
Redis keys (TTL a few seconds) that the ticket page refreshes by HTMX
polling. Without Redis (or when it fails) nobody is shown: presence is a
courtesy, never in the way. The warning before a second reply is sent does
not depend on it (views/ticket.py)."""

from __future__ import annotations

from flask import current_app
from redis import RedisError

VIEW_TTL = 15  # seconds; the page polls every 5
TYPE_TTL = 8
PREFIX = "steward:helpdesk:presence"


def _redis():
    return current_app.extensions["steward"].redis


def mark(ticket_id: int, user_id: int, name: str, *, typing: bool = False) -> None:
    try:
        client = _redis()
        client.set(f"{PREFIX}:{ticket_id}:view:{user_id}", name[:100], ex=VIEW_TTL)
        if typing:
            client.set(f"{PREFIX}:{ticket_id}:type:{user_id}", name[:100], ex=TYPE_TTL)
    except (RedisError, OSError, KeyError, AttributeError):
        return


def others(ticket_id: int, user_id: int) -> list[tuple[str, bool]]:
    """(name, typing) of the other people on the ticket now."""
    try:
        client = _redis()
        viewing = _names(client, f"{PREFIX}:{ticket_id}:view:")
        typing = _names(client, f"{PREFIX}:{ticket_id}:type:")
    except (RedisError, OSError, KeyError, AttributeError):
        return []
    viewing.pop(user_id, None)
    typing.pop(user_id, None)
    return sorted(((name, uid in typing) for uid, name in {**viewing, **typing}.items()), key=lambda p: p[0])


def _names(client, prefix: str) -> dict[int, str]:
    keys = list(client.scan_iter(match=prefix + "*", count=100))[:50]
    values = client.mget(keys) if keys else []
    out = {}
    for key, value in zip(keys, values, strict=True):
        if value is None:
            continue
        key = key.decode() if isinstance(key, bytes) else key
        out[int(key.rsplit(":", 1)[-1])] = value.decode() if isinstance(value, bytes) else value
    return out
