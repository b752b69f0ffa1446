"""`GET /healthz`: is the database reachable, is Redis?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db
from app.permissions import public

bp = Blueprint("health", __name__)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # report any failure as text, never a 500
        return f"error: {type(error).__name__}"
    return "ok"


@bp.route("/healthz")
@public
def healthz():
    database = _check(lambda: db.session.execute(text("SELECT 1")))
    db.session.rollback()
    redis = _check(lambda: current_app.extensions["steward"].redis.ping())
    healthy = database == "ok" and redis == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "redis": redis}
    return jsonify(body), 200 if healthy else 503
