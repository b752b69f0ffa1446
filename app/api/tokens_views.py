"""API tokens in the browser: each user's own (Your account → API tokens),
and every token for administrators (Admin → API tokens)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.api import tokens
from app.extensions import db
from app.forms import choices
from app.models import ApiToken
from app.permissions import declared_permissions, permission_required, signed_in

bp = Blueprint("api_tokens", __name__)

EXPIRY = [("7", "In 7 days"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the token a name."), Length(max=100)],
                       description="What uses it: “Website donation form”, “Nightly sync script”.")
    expires = SelectField("Expires", choices=choices(EXPIRY), default="90")
    scopes = SelectMultipleField("What it may do", widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validate_choice=False,
                                 description="Only what you may do yourself. If your role loses a "
                                             "permission, the token loses it too.")


def _form(posted: bool):
    form = TokenForm() if posted else TokenForm(formdata=None)
    described = declared_permissions()
    form.scopes.choices = choices((p, f"{described[p][0]} ({p})") for p in tokens.grantable(current_user))
    if not posted:
        form.scopes.data = [c.value for c in form.scopes.choices]  # everything the user may, to untick
    return form


def _mine():
    return db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()


@bp.route("/account/tokens", methods=["GET", "POST"])
@signed_in
def mine():
    """The list of one's tokens and the form for a new one. A new token's
    secret is on the answer to the POST (never in a redirect or the session)."""
    posted = request.method == "POST"
    form = _form(posted)
    secret = created = None
    status = 200
    if posted:
        if form.validate():
            try:
                created, secret = tokens.create(current_user, form.name.data, form.scopes.data or [],
                                                int(form.expires.data))
            except tokens.TokenProblem as problem:
                target = {"scopes": form.scopes, "expires": form.expires}.get(problem.field, form.name)
                target.errors = [*target.errors, str(problem)]
            else:
                db.session.commit()
                form = _form(False)
        if secret is None:
            db.session.rollback()
            status = 422
    return render_template("api/tokens.html", form=form, tokens=_mine(), secret=secret, created=created,
                           state=tokens.state), (201 if secret else status)


@bp.post("/account/tokens/<int:token_id>/revoke")
@signed_in
def revoke_mine(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if tokens.revoke(token, by=current_user):
        db.session.commit()
        flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
    return redirect(url_for("api_tokens.mine"), code=303)


@bp.get("/admin/api-tokens")
@permission_required("admin.api_tokens")
def admin_list():
    rows = db.session.scalars(db.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
                              .limit(500)).all()
    return render_template("api/admin_tokens.html", tokens=rows, state=tokens.state)


@bp.post("/admin/api-tokens/<int:token_id>/revoke")
@permission_required("admin.api_tokens")
def admin_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if tokens.revoke(token, by=current_user):
        db.session.commit()
        flash(f"{token.user.name}’s token “{token.name}” is revoked.", "success")
    return redirect(url_for("api_tokens.admin_list"), code=303)
