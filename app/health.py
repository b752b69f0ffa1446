"""`GET /healthz`: is the database reachable, is Redis, is a worker there
for the jobs that wait?"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app import heartbeat
from app.extensions import db
from app.models import Job
from app.permissions import public

bp = Blueprint("health", __name__)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # report any failure as text, never a 500
        return f"error: {type(error).__name__}"
    return "ok"


def _worker() -> str:
    """"ok", or why the jobs that wait have nobody to run them (app/heartbeat.py)."""
    seen = heartbeat.worker_last_seen(current_app.extensions["steward"].redis)
    lost_after = current_app.config["WORKER_LOST_AFTER"]
    if seen is not None and time.time() - seen <= lost_after:
        return "ok"
    if db.session.scalar(db.select(Job.id).where(Job.status == Job.QUEUED).limit(1)) is None:
        return "ok"  # nothing waits: a stopped worker harms nobody yet
    when = "never seen" if seen is None else f"last seen {int(time.time() - seen)} seconds ago"
    return f"error: jobs are waiting and no worker has been seen for {lost_after} seconds ({when})"


@bp.route("/healthz")
@public
def healthz():
    database = _check(lambda: db.session.execute(text("SELECT 1")))
    db.session.rollback()
    redis = _check(lambda: current_app.extensions["steward"].redis.ping())
    worker = "unknown"  # needs both to tell
    if database == redis == "ok":
        worker = _safe_worker()
        db.session.rollback()
    healthy = database == "ok" and redis == "ok" and worker == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "redis": redis, "worker": worker}
    return jsonify(body), 200 if healthy else 503


def _safe_worker() -> str:
    try:
        return _worker()
    except Exception as error:  # report any failure as text, never a 500
        return f"error: {type(error).__name__}"
