"""Heartbeats in Redis: how the app tells a worker that died from one that is busy.

Two sorted sets of "last seen" times (seconds since the epoch):
- WORKERS: each worker process (the light one and the one holding the app)
  beats every WORKER_HEARTBEAT seconds; /healthz reads the newest beat.
- RUNNING: each running job beats from the process that runs it (the work
  horse), so a job whose horse was killed stops beating even when its worker
  lives on, and a horse that outlived its worker keeps its job.

A job whose beat is older than WORKER_LOST_AFTER is stranded:
app/jobs/stranded.py marks it interrupted and resumes it. The job's state
stays in the database; Redis only holds these times.

Imports stay light (redis, the standard library): the light worker uses this.
"""

from __future__ import annotations

import contextlib
import threading
import time

from redis import Redis, RedisError

WORKERS = "steward:heartbeat:workers"
RUNNING = "steward:heartbeat:jobs"
DEFAULT_INTERVAL = 15  # config.py's WORKER_HEARTBEAT
DEFAULT_LOST_AFTER = 60  # config.py's WORKER_LOST_AFTER
FORGET_AFTER = 86_400  # worker beats older than a day are dropped


def beat_worker(connection: Redis, name: str) -> None:
    now = time.time()
    pipe = connection.pipeline()
    pipe.zadd(WORKERS, {name: now})
    pipe.zremrangebyscore(WORKERS, "-inf", now - FORGET_AFTER)
    pipe.execute()


def forget_worker(connection: Redis, name: str) -> None:
    with contextlib.suppress(RedisError):
        connection.zrem(WORKERS, name)


def worker_last_seen(connection: Redis) -> float | None:
    """Seconds since the epoch of the newest worker beat, or None."""
    newest = connection.zrange(WORKERS, -1, -1, withscores=True)
    return newest[0][1] if newest else None


def beat_job(connection: Redis, job_id: int) -> None:
    connection.zadd(RUNNING, {str(job_id): time.time()})


def forget_job(connection: Redis, job_id: int) -> None:
    with contextlib.suppress(RedisError):
        connection.zrem(RUNNING, str(job_id))


def job_beats(connection: Redis, job_ids: list[int]) -> dict[int, float]:
    """The last beat of each of these jobs that has one."""
    if not job_ids:
        return {}
    scores = connection.zmscore(RUNNING, [str(i) for i in job_ids])
    return {i: s for i, s in zip(job_ids, scores, strict=True) if s is not None}


def stale_jobs(connection: Redis, lost_after: float) -> list[int]:
    """Jobs whose last beat is older than `lost_after` seconds. (Cheap: the
    light worker asks at each beat and loads the app only when there are some.)"""
    return [int(i) for i in connection.zrangebyscore(RUNNING, "-inf", time.time() - lost_after)]


class Beating:
    """Calls `beat()` now and then every `interval` seconds in a daemon
    thread until `stop()`. A failed beat (Redis briefly away) is retried at
    the next interval; `on_error(exception)` hears about it."""

    def __init__(self, beat, interval: float, name: str, on_error=None):
        self._beat, self._interval, self._on_error = beat, interval, on_error
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Beating:
        self._once()
        self._thread.start()
        return self

    def _once(self) -> None:
        try:
            self._beat()
        except Exception as error:  # noqa: BLE001 (a beat must never end the thread)
            if self._on_error is not None:
                self._on_error(error)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            self._once()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
