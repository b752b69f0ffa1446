"""First run: while no user exists every page leads here; afterwards it is gone."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from app import settings, users
from app.auth import sessions
from app.auth.forms import SetupForm
from app.extensions import db
from app.hooks import needs_setup
from app.permissions import public

bp = Blueprint("setup", __name__)


@bp.route("/setup", methods=["GET", "POST"])
@public
def index():
    if not needs_setup():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        settings.put("core", {"org_name": form.org_name.data.strip()})
        user = users.create_user(form.email.data, form.name.data, form.password.data,
                                 users.role_by_key("admin"))
        db.session.commit()
        sessions.start(user, remember=False)
        flash(f"Steward is ready. Welcome, {user.name}.", "success")
        return redirect(url_for("dashboard.index"), code=303)
    return render_template("setup.html", form=form), 200 if not form.errors else 422
