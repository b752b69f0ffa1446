"""Recurring schedules (registry.Schedule): which are due, who runs them,
and how the light worker knows when to look.

The worker's heartbeat (app/rq_worker.py, which loads nothing of the app)
reads one Redis key, NEXT_DUE_KEY: the earliest time any schedule is due.
When that time has come, or the key is missing (a Redis that lost its
data), it queues the RQ job TICK_RQ_ID, which loads the app and calls
`run_due`. Each due schedule is claimed by a conditional UPDATE, so two
workers never run one at once, runs in its own transaction, and gets its
next time; then the key is set again. A worker with nothing due stays
light: with no schedule enabled it looks once an hour.

The database holds the truth (core_schedule): losing Redis, or every
worker, only delays a schedule; it never runs one twice at once nor skips
one for good.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from redis import RedisError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ScheduleState
from app.models.base import utcnow
from app.registry import Schedule

log = logging.getLogger(__name__)

NEXT_DUE_KEY = "steward:schedules:next_due"  # app.rq_worker reads it (a test keeps them equal)
TICK_RQ_ID = "steward-schedules-tick"
IDLE_LOOK = 3600  # seconds between looks when no schedule is enabled
LEASE = timedelta(minutes=15)  # a claim older than this belongs to a worker that died
MAX_BACKOFF = 16  # a failing schedule waits up to 16 × `every` (at most an hour) between tries


@dataclass(frozen=True)
class Ran:
    """What `Schedule.run` may return instead of a plain summary: the
    summary and the time it next has something to do."""

    summary: str = ""
    next_at: datetime | None = None


def enabled() -> dict[str, Schedule]:
    return current_app.extensions["steward"].schedules


def run_due(now: datetime | None = None, *, only: str | None = None) -> dict[str, str]:
    """Run every due schedule (or just `only`, due or not) once; returns
    {name: what happened} for those this call ran."""
    now = now or utcnow()
    done: dict[str, str] = {}
    for schedule in enabled().values():
        if only is not None and schedule.name != only:
            continue
        _ensure_row(schedule.name, now)
        if _claim(schedule, now, force=only is not None):
            done[schedule.name] = _run(schedule, now)
    publish_next_due()
    return done


def run_tick() -> str:
    """What the RQ job TICK_RQ_ID runs (in an app context)."""
    done = run_due()
    summary = "; ".join(f"{name}: {what}" for name, what in done.items()) or "nothing was due"
    log.info("Recurring work: %s", summary)
    return summary


def wake(name: str, at: datetime | None = None) -> None:
    """Bring schedule `name` forward to `at` (now by default), in the
    caller's transaction, and tell the workers at once."""
    at = at or utcnow()
    db.session.execute(update(ScheduleState).where(
        ScheduleState.name == name, or_(ScheduleState.next_run_at.is_(None), ScheduleState.next_run_at > at))
        .values(next_run_at=at))
    try:
        current = _redis().get(NEXT_DUE_KEY)
        if current is None or float(current) > at.timestamp():
            _redis().set(NEXT_DUE_KEY, at.timestamp())
    except RedisError as error:  # the next heartbeat after Redis is back looks anyway (no key)
        log.warning("Could not tell the workers that %s is due: %s", name, error)


def publish_next_due() -> float:
    """Write the earliest due time of the enabled schedules to Redis (epoch seconds)."""
    names = list(enabled())
    if not names:
        at = time.time() + IDLE_LOOK
    else:
        rows = dict(db.session.execute(select(ScheduleState.name, ScheduleState.next_run_at)
                                       .where(ScheduleState.name.in_(names))).all())
        times = [rows[n].timestamp() if rows.get(n) else time.time() for n in names]
        at = min(times)
    _set_next_due(at)
    return at


def states() -> list[tuple[Schedule, ScheduleState | None]]:
    """The enabled schedules with their state, for the Jobs page."""
    rows = {row.name: row for row in db.session.scalars(select(ScheduleState))}
    return [(schedule, rows.get(name)) for name, schedule in sorted(enabled().items(),
                                                                   key=lambda pair: pair[1].title)]


def _redis():
    return current_app.extensions["steward"].redis


def _set_next_due(at: float) -> None:
    try:
        _redis().set(NEXT_DUE_KEY, at)
    except RedisError as error:
        log.warning("Could not record when the schedules are next due: %s", error)


def _ensure_row(name: str, now: datetime) -> None:
    if db.session.get(ScheduleState, name) is not None:
        return
    db.session.add(ScheduleState(name=name, next_run_at=now, last_outcome="", runs=0, failures_in_a_row=0))
    try:
        db.session.commit()
    except IntegrityError:  # another worker added it first
        db.session.rollback()


def _claim(schedule: Schedule, now: datetime, *, force: bool = False) -> bool:
    """Take the schedule for this run, or learn that it is not ours to run."""
    free = or_(ScheduleState.running_since.is_(None), ScheduleState.running_since < now - LEASE)
    due = or_(ScheduleState.next_run_at.is_(None), ScheduleState.next_run_at <= now)
    condition = [ScheduleState.name == schedule.name, free] + ([] if force else [due])
    # next_run_at moves on at once, so the heartbeat does not queue ticks while this one runs.
    claimed = db.session.execute(update(ScheduleState).where(*condition).values(
        running_since=now, last_started_at=now, next_run_at=now + timedelta(seconds=schedule.every)))
    db.session.commit()
    return claimed.rowcount == 1


def _run(schedule: Schedule, started: datetime) -> str:
    error = None
    next_at = None
    try:
        result = schedule.run()
        db.session.commit()
    except Exception:  # the schedule's own failure: record it, back off, carry on with the others
        db.session.rollback()
        error = traceback.format_exc(limit=8)
        log.exception("Schedule %s failed", schedule.name)
        summary = "failed: " + error.strip().splitlines()[-1]
    else:
        if isinstance(result, Ran):
            summary, next_at = result.summary, result.next_at
        else:
            summary = str(result or "")
    state = db.session.get(ScheduleState, schedule.name)
    failures = state.failures_in_a_row + 1 if error else 0
    finished = utcnow()
    wait = timedelta(seconds=schedule.every * (min(2 ** failures, MAX_BACKOFF) if error else 1))
    if error:
        wait = min(wait, max(timedelta(hours=1), timedelta(seconds=schedule.every)))
    natural = started + wait
    wanted = natural if next_at is None or error else max(next_at, started)
    # A wake() during the run may have asked for an earlier time: keep it.
    if state.next_run_at is not None and state.next_run_at < started + timedelta(seconds=schedule.every):
        wanted = min(wanted, state.next_run_at)
    state.running_since = None
    state.last_finished_at = finished
    state.last_outcome = summary[:2000]
    state.last_error = error
    state.runs += 1
    state.failures_in_a_row = failures
    state.next_run_at = wanted
    db.session.commit()
    return summary
