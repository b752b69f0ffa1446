"""The feed URL (public: its secret is the credential) and the account
page's buttons that make, reset and revoke it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import audit
from app.calendar_feed import ics, tokens
from app.dates import org_zone
from app.extensions import db
from app.htmx import confirm_page
from app.limiter import limiter
from app.links import external_url
from app.models.base import utcnow
from app.permissions import public, role_permissions, signed_in

bp = Blueprint("calendar_feed", __name__)

PAST, AHEAD = timedelta(days=30), timedelta(days=400)


@bp.get("/calendar/<token>.ics")
@public
@limiter.limit("120 per hour")
def feed(token: str):
    found = tokens.find(token)
    if found is None:
        abort(404)
    row, user = found
    today = utcnow().astimezone(org_zone()).date()
    items, held = [], role_permissions(user.role)
    for source in current_app.extensions["steward"].calendar:
        if source.permission in held:
            items.extend(source.items(user, today - PAST, today + AHEAD))
    items.sort(key=lambda item: (item.day, item.title))
    row.last_used_at = utcnow()
    db.session.commit()
    body = ics.render(items, name=f"Steward: {user.name}", domain=urlsplit(external_url("auth.account")).hostname
                      or "steward")
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300",
                                                              "Content-Disposition": 'inline; filename="steward.ics"'})


@bp.post("/account/calendar")
@signed_in
def make():
    user = current_user._get_current_object()
    had = tokens.of(user) is not None
    token = tokens.make(user)
    audit.record(audit.UPDATE, user, summary="Reset own calendar feed link" if had else "Made own calendar feed link")
    db.session.commit()
    # Shown in this answer only: the secret is stored hashed.
    return render_template("auth/calendar_feed_made.html", url=external_url("calendar_feed.feed", token=token),
                           reset=had)


@bp.route("/account/calendar/revoke", methods=["GET", "POST"])
@signed_in
def revoke():
    user = current_user._get_current_object()
    if request.method == "GET":
        return confirm_page("Revoke your calendar link?",
                            "Calendars subscribed to it stop updating. You can make a new link afterwards.",
                            "Revoke the link", url_for("auth.account"))
    if tokens.revoke(user):
        audit.record(audit.UPDATE, user, summary="Revoked own calendar feed link")
        db.session.commit()
        flash("The calendar link no longer works. Calendars subscribed to it stop updating.", "success")
    return redirect(url_for("auth.account"), code=303)
