"""Sign in and out, reset a password, accept an invitation, edit one's account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app import audit, mail, users
from app.auth import devices, reset, sessions, signin_limits
from app.auth.forms import AcceptInvitationForm, AccountForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.dashboard import home_url
from app.extensions import db
from app.hooks import error_page
from app.limiter import limiter
from app.links import external_url
from app.permissions import public, signed_in
from app.redirects import next_url

bp = Blueprint("auth", __name__)


@bp.errorhandler(RedisConnectionError)
@bp.errorhandler(RedisTimeoutError)
def redis_unavailable(error):
    """Sign-in limits and the reset form count in Redis: without it, say so
    (fast: app.redis_conn.QUICK_TIMEOUT) rather than sign in unguarded."""
    current_app.logger.warning("Sign-in is unavailable: Redis is not answering (%s)", error)
    body, status = error_page(
        503, "Sign-in is briefly unavailable",
        "Steward cannot reach Redis, where it counts sign-in attempts, so signing in and resetting "
        "passwords are paused. People already signed in can keep working. Try again in a minute; "
        "if this goes on, tell whoever runs Steward.")
    return body, status, {"Retry-After": "60"}


def _login_page(form: LoginForm, hold: signin_limits.Hold | None, status: int):
    headers = {"Retry-After": str(hold.seconds)} if hold else {}
    return render_template("auth/login.html", form=form, hold=hold), status, headers


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(next_url(home_url()))
    form = LoginForm()
    hold = None
    if form.validate_on_submit():
        user = users.find_by_email(form.email.data)
        attempt = signin_limits.Attempt.here(form.email.data, user)
        hold = signin_limits.check(attempt)
        if hold is not None:  # the password is not checked, nor the attempt counted
            return _login_page(form, hold, 429)
        if verify_password(user, form.password.data) and user.active:
            signin_limits.succeeded(attempt)
            if needs_rehash(user):
                user.password_hash = hash_password(form.password.data)
            audit.record(audit.LOGIN, user, user=user, summary="Signed in")
            sessions.start(user, remember=form.remember.data)
            return redirect(next_url(home_url()), code=303)
        hold = signin_limits.failed(attempt)
        audit.record(audit.LOGIN_FAILED, object_type="core_user", object_id=getattr(user, "id", None),
                     actor=form.email.data,
                     summary="Wrong email or password" + (f". {hold.message}" if hold else ""))
        db.session.commit()
        form.password.errors.append("That email and password do not match an active account.")
    return _login_page(form, hold, 200 if not form.errors else 422)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    audit.record(audit.LOGOUT, current_user, summary="Signed out")
    db.session.commit()
    sessions.end(current_user._get_current_object())
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = users.find_by_email(form.email.data)
        if user is not None and user.active:
            link = external_url("auth.reset_password", token=reset.make_token(user))
            context = {"user": user, "link": link, "minutes": reset.MAX_AGE // 60}
            mail.send(user.email, "Reset your Steward password",
                      render_template("email/reset.txt", **context),
                      render_template("email/reset.html", **context), category="core.password_reset")
            db.session.commit()
        # The same answer either way, so the form does not reveal who has an account.
        flash("If that address belongs to an account, a link to reset the password is on its way. "
              "It works once, within an hour.", "info")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot.html", form=form), 200 if not form.errors else 422


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = reset.user_for_token(token)
    if user is None:
        return render_template("auth/link_invalid.html", what="password reset link"), 410
    form = ResetPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        # The reset proves who this is: the waits on this address or device
        # for this account end, and this browser becomes one of theirs.
        signin_limits.succeeded(signin_limits.Attempt.here(user.email))
        user.password_hash = hash_password(form.password.data)
        sessions.end_all(user)
        audit.record(audit.UPDATE, user, user=user, summary="Reset password", changes={"password": ("***", "***")})
        db.session.commit()
        devices.remember(user)
        flash("Your password is changed. Sign in with it now.", "success")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset.html", form=form, user=user), 200 if not form.errors else 422


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    invitation = users.invitation_for(token)
    if invitation is None:
        return render_template("auth/link_invalid.html", what="invitation"), 410
    if users.find_by_email(invitation.email) is not None:
        return render_template("auth/link_invalid.html", what="invitation",
                               reason="An account with this email already exists. Sign in instead."), 410
    form = AcceptInvitationForm(name=invitation.name or None)
    form.account_email = invitation.email
    if form.validate_on_submit():
        user = users.accept(invitation, form.name.data, form.password.data)
        db.session.commit()
        sessions.start(user, remember=False)
        flash(f"Welcome to Steward, {user.name}.", "success")
        return redirect(home_url(), code=303)
    return render_template("auth/accept.html", form=form, invitation=invitation), 200 if not form.errors else 422


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    user = current_user._get_current_object()
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        changes = audit.diff(user, {"name": form.name.data.strip()})
        if form.password.data:
            if hold := signin_limits.check_current_password(user):
                form.current_password.errors.append(hold.message)
            elif not verify_password(user, form.current_password.data or ""):
                hold = signin_limits.failed_current_password(user)
                form.current_password.errors.append(
                    hold.message if hold else "Enter your current password to change it.")
            elif problem := password_problem(form.password.data, user.email):
                form.password.errors.append(problem)
            else:
                user.password_hash = hash_password(form.password.data)
                sessions.end_others(user)
                devices.remember(user)  # the new password ends what other devices knew, not this one
                changes["password"] = ("***", "***")
        if not form.errors:
            if changes:
                audit.record(audit.UPDATE, user, summary="Edited own account", changes=changes)
            db.session.commit()
            flash("Your account is saved.", "success")
            return redirect(url_for("auth.account"), code=303)
        db.session.rollback()
    from app.calendar_feed import tokens

    return render_template("auth/account.html", form=form, feed=tokens.of(user)), 200 if not form.errors else 422
