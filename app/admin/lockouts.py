"""Admin: who the sign-in limits are holding now, and lifting a wait
(app/auth/signin_limits.py)."""

from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app import audit
from app.admin import bp
from app.auth import signin_limits
from app.dates import duration_words, when
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.permissions import permission_required


@bp.route("/lockouts")
@permission_required("admin.users")
def lockouts():
    try:
        held = signin_limits.lockouts()
    except (RedisConnectionError, RedisTimeoutError) as error:
        current_app.logger.warning("Sign-in lockouts unavailable: Redis is not answering (%s)", error)
        held = None
    return render_template("admin/lockouts.html", lockouts=held, shown=signin_limits.SHOWN,
                           limit=signin_limits.limit, words=duration_words)


@bp.route("/lockouts/lift", methods=["GET", "POST"])
@permission_required("admin.users")
def lift_lockout():
    lockout = signin_limits.find(request.values.get("counter", ""))
    if lockout is None:
        flash("That wait has already ended.", "info")
        return redirect_after_post(url_for("admin.lockouts"))
    if request.method == "GET":
        return confirm_page("Lift the wait?",
                            f"Let {lockout.who} sign in again now? Only lift a wait for someone you "
                            "know is trying to sign in: the failures may be someone guessing their password.",
                            "Lift the wait", url_for("admin.lockouts"), hidden={"counter": lockout.key}, safe=True)
    signin_limits.lift(lockout)
    failures = lockout.counter.failures
    audit.record(audit.UPDATE, object_type="signin_limit",
                 summary=f"Lifted the sign-in wait for {lockout.who}: {failures} failed "
                         f"sign-in{'' if failures == 1 else 's'} since {when(lockout.counter.first).striptags()}, "
                         f"held until {when(lockout.counter.until).striptags()}",
                 changes={"held until": (lockout.counter.until.isoformat(), None)})
    db.session.commit()
    flash(f"The wait is lifted: {lockout.who} can sign in again now.", "success")
    return redirect_after_post(url_for("admin.lockouts"))
