"""Failure counters in Redis, for the sign-in limits: one hash per counter,
changed only by one Lua script, so every process sees the same count and two
failures at the same moment are both counted.

A counter keeps `until` (nothing it covers is checked before then), `level`
(the failures not yet forgotten, as of `until`: one is forgotten every
`forget_every` seconds after that, so waiting out a wait forgets nothing), and
for the admin page `failures` and `first` (every failure since the counter
last started from nothing). Times are Unix seconds from
the caller's clock and every wait is computed from them, never from Redis's
clock (which only expires counters long forgotten). Counters that hold someone are
also listed in one sorted set (by `until`), which the admin page reads instead
of scanning every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

HELD = "steward:signin:held"


@dataclass(frozen=True)
class Limit:
    allowance: int  # failures before the first wait
    first_wait: int  # seconds; each further failure doubles the wait...
    longest_wait: int  # ...up to this
    forget_every: int  # seconds of quiet (no failure, no wait) that forget one failure


@dataclass(frozen=True)
class Counter:
    key: str
    failures: int
    first: datetime
    until: datetime


# KEYS[1] is HELD, KEYS[2..] the counters; ARGV[1] is now, then four numbers
# per counter (a Limit's fields in order). Returns each counter's new wait.
_RECORD_FAILURE = """
local now = tonumber(ARGV[1])
local waits = {}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #KEYS do
  local key, at = KEYS[i], 2 + (i - 2) * 4
  local allowance, first_wait = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  local longest, forget_every = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local level, held_until, failures = unpack(redis.call('HMGET', key, 'level', 'until', 'failures'))
  local quiet = math.max(0, now - (tonumber(held_until) or now))
  level = math.max(0, (tonumber(level) or 0) - quiet / forget_every)
  if level == 0 then
    failures = 0
    redis.call('HSET', key, 'first', now)
  end
  level = level + 1
  local wait = 0
  local beyond = math.floor(level + 0.5) - allowance
  if beyond >= 0 then wait = math.min(first_wait * 2 ^ beyond, longest) end
  redis.call('HSET', key, 'level', level, 'until', now + wait, 'failures', tonumber(failures) + 1)
  redis.call('EXPIRE', key, math.ceil(wait + level * forget_every) + 1)
  if wait > 0 then redis.call('ZADD', KEYS[1], now + wait, key) end
  waits[i - 1] = wait
end
return waits
"""


def record_failure(client, counters: list[tuple[str, Limit]], now: int) -> list[int]:
    """Count one failure on each counter; returns the wait each now imposes."""
    args = [now]
    for _key, limit in counters:
        args += [limit.allowance, limit.first_wait, limit.longest_wait, limit.forget_every]
    return [int(wait) for wait in client.eval(_RECORD_FAILURE, 1 + len(counters), HELD,
                                              *(key for key, _ in counters), *args)]


def waits(client, keys: list[str], now: int) -> list[int]:
    """The seconds each counter still holds (0: not holding)."""
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hget(key, "until")
    return [max(0, int(float(until)) - now) if until else 0 for until in pipe.execute()]


def clear(client, keys: list[str]) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.delete(*keys)
    pipe.zrem(HELD, *keys)
    pipe.execute()


def holding(client, now: int, limit: int) -> list[Counter]:
    """The counters holding someone now, the longest wait first."""
    client.zremrangebyscore(HELD, "-inf", now)
    keys = [key.decode() for key in client.zrevrangebyscore(HELD, "+inf", f"({now}", start=0, num=limit)]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hgetall(key)
    counters = (_holding(key, fields, now) for key, fields in zip(keys, pipe.execute(), strict=True))
    return [counter for counter in counters if counter is not None]


def read(client, key: str, now: int) -> Counter | None:
    """The counter at `key` if it holds someone now."""
    return _holding(key, client.hgetall(key), now)


def _holding(key: str, fields: dict[bytes, bytes], now: int) -> Counter | None:
    fields = {name.decode(): value.decode() for name, value in fields.items()}
    if not fields or float(fields["until"]) <= now:
        return None
    return Counter(key, int(fields["failures"]), _time(fields["first"]), _time(fields["until"]))


def _time(seconds: str) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)
