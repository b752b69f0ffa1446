"""The rate per second and the hourly and daily caps, counted in Redis so
every worker sending any campaign shares them (the provider's limits are
per account, not per process).

`take()` counts one message in the current second, hour and day (UTC
windows, keys that expire with their window). When a count would pass its
limit the message is given back and the answer says which window is full
and when it opens: the job sleeps for a full second, and re-enqueues itself
for the hour or day that opens next."""

from __future__ import annotations

import time
from dataclasses import dataclass

from modules.marketing.sending.options import Options

PREFIX = "steward:marketing:send"
WINDOWS = (("second", 1), ("hour", 3600), ("day", 86400))


@dataclass(frozen=True)
class Wait:
    window: str  # "second", "hour" or "day"
    until: float  # epoch seconds when the window opens


def _limits(options: Options) -> dict[str, int]:
    return {"second": options.rate, "hour": options.hourly_cap, "day": options.daily_cap}


def take(redis, options: Options, now: float | None = None) -> Wait | None:
    """Count one message; None when it may go now, else the Wait."""
    limits = _limits(options)
    active = [(name, size) for name, size in WINDOWS if limits[name]]
    if not active:
        return None
    now = time.time() if now is None else now
    keys = [(name, size, f"{PREFIX}:{name}:{int(now // size)}") for name, size in active]
    pipe = redis.pipeline()
    for _, size, key in keys:
        pipe.incr(key)
        pipe.expire(key, size + 60)
    counts = pipe.execute()[::2]
    full = [(name, size) for (name, size, _), count in zip(keys, counts, strict=True) if count > limits[name]]
    if not full:
        return None
    pipe = redis.pipeline()
    for _, _, key in keys:
        pipe.decr(key)
    pipe.execute()
    name, size = max(full, key=lambda item: item[1])  # the longest wait decides
    return Wait(name, (int(now // size) + 1) * size)


def used(redis, window: str, now: float | None = None) -> int:
    size = dict(WINDOWS)[window]
    now = time.time() if now is None else now
    return int(redis.get(f"{PREFIX}:{window}:{int(now // size)}") or 0)
