"""First run: while no user exists every page leads here; afterwards it is gone."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app import regional, settings, users
from app.auth import sessions
from app.auth.forms import SetupForm
from app.database import hold_write_lock
from app.extensions import db
from app.hooks import needs_setup
from app.models import User
from app.permissions import public
from app.regional_form import proposing

bp = Blueprint("setup", __name__)


def _already_set_up():
    """A second submission of the form (two people, or a double click): the
    other one made the administrator, so this one is sent to sign in."""
    db.session.rollback()
    flash("Steward has just been set up by someone else. Sign in, or ask them to invite you.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/setup", methods=["GET", "POST"])
@public
def index():
    if not needs_setup():
        if request.method == "POST":
            return _already_set_up()
        abort(404)
    form = SetupForm()
    if proposing():
        form.propose()  # fill the regional fields from the country, save nothing
        return _page(form, 200)
    if form.validate_on_submit():
        # Asked again under the lock: another submission may have passed the
        # check above at the same moment and made its administrator since.
        hold_write_lock(db.session, User.__tablename__)
        if not needs_setup():
            return _already_set_up()
        settings.put("core", {"org_name": form.org_name.data.strip()})
        regional.store(form.values())
        user = users.create_user(form.email.data, form.name.data, form.password.data,
                                 users.role_by_key("admin"))
        db.session.commit()
        sessions.start(user, remember=False)
        flash(f"Steward is ready. Welcome, {user.name}.", "success")
        return redirect(url_for("dashboard.index"), code=303)
    return _page(form, 200 if not form.errors else 422)


def _page(form, status):
    return render_template("setup.html", form=form), status
