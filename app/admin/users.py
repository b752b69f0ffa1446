"""Admin: the list of users, editing one user, and the global-search provider."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, or_

from app import audit, edits
from app.admin import bp
from app.admin.forms import InviteForm, UserForm
from app.auth import sessions
from app.dashboard import home_url
from app.extensions import db
from app.forms import choices
from app.hooks import refuse
from app.htmx import redirect_after_post
from app.models import Invitation, Role, User
from app.models.base import utcnow
from app.paging import keyset
from app.permissions import permission_required, role_permissions, ungrantable
from app.users import ensure_builtin_roles

INVITATIONS_SHOWN = 100


def grantable(role: Role) -> bool:
    """May the signed-in user give `role` to someone? Only if they hold all of
    its permissions (app.permissions.ungrantable)."""
    return not ungrantable(role_permissions(role))


def role_choices():
    ensure_builtin_roles()
    roles = db.session.scalars(db.select(Role).order_by(Role.key.is_(None), Role.id)).all()
    return choices((str(r.id), r.name) for r in roles if grantable(r))


def open_invitations() -> list[Invitation]:
    """Invitations still open (pending or expired) and those accepted in the
    last fortnight, so the admin sees who joined; newest first."""
    recent = utcnow() - timedelta(days=14)
    return db.session.scalars(
        db.select(Invitation).where(or_(
            and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)),
            Invitation.accepted_at >= recent,
        )).order_by(Invitation.id.desc()).limit(INVITATIONS_SHOWN)
    ).all()


def render_users_page(invite_form: InviteForm, status: int = 200):
    listing = keyset(db.select(User), User.id, newest_first=False)
    return render_template("admin/users.html", listing=listing, invite_form=invite_form,
                           invitations=open_invitations()), status


@bp.route("/users")
@permission_required("admin.users")
def users():
    form = InviteForm()
    form.role.choices = role_choices()
    form.role.data = ensure_builtin_roles()["staff"].id  # the everyday role, not Administrator
    return render_users_page(form)


def _active_admins_besides(user: User) -> bool:
    return db.session.execute(
        db.select(User.id).join(Role).where(Role.key == "admin", User.active.is_(True), User.id != user.id)
        .limit(1)
    ).first() is not None


def _check(form: UserForm, user: User, new_role: Role) -> None:
    """Refuse changes that would lock people out; errors go next to the field."""
    if user.id == current_user.id and not form.active.data:
        form.active.errors.append("You cannot deactivate your own account.")
    stays_admin = new_role.key == "admin" and form.active.data
    if user.role.key == "admin" and user.active and not stays_admin and not _active_admins_besides(user):
        field = form.role if new_role.key != "admin" else form.active
        field.errors.append(f"{user.name} is the last active Administrator. "
                            "Make someone else an Administrator first.")


def _save(user: User, form: UserForm, new_role: Role) -> None:
    old_role = user.role
    if new_role.id != old_role.id:
        user.role = new_role
        audit.record(audit.ROLE_CHANGE, user, summary=f"{user.email}: {old_role.name} → {new_role.name}",
                     changes={"role": (old_role.name, new_role.name)})
    changes = audit.diff(user, {"name": form.name.data, "active": form.active.data})
    if changes:
        audit.record(audit.UPDATE, user, summary=f"Edited user {user.email}", changes=changes)
    if "active" in changes and not user.active:
        sessions.end_all(user)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("admin.users")
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if missing := ungrantable(role_permissions(user.role)):
        refuse(", ".join(missing), f"editing {user.email}, who has more rights")

    def stored_form(formdata=None):
        """The form as the stored user fills it; `formdata=...`: as posted."""
        kwargs = {} if formdata is ... else {"formdata": formdata}
        form = UserForm(**kwargs, name=user.name, role=user.role_id, active=user.active)
        form.role.choices = role_choices()
        return form

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, user, stored_form):
        status = 409
    elif not form.errors:
        new_role = db.session.get(Role, form.role.data)  # after settle: it may be the role someone else set
        _check(form, user, new_role)
        if not form.active.errors and not form.role.errors:
            _save(user, form, new_role)
            db.session.commit()
            flash(edits.saved_message(f"{user.name} is saved.", form), "success")
            if user.id == current_user.id and "admin.users" not in role_permissions(new_role):
                return redirect_after_post(home_url())  # they just left the admins
            return redirect_after_post(url_for("admin.users"))
    return render_template("admin/user_edit.html", user=user, form=form), 422 if form.errors else status


def search_users(query: str, limit: int) -> list[tuple[str, str, str]]:
    like = f"%{query.lower()}%"
    rows = db.session.scalars(db.select(User).where(or_(User.email.like(like), User.name.ilike(like)))
                              .order_by(User.name).limit(limit))
    return [(u.name, url_for("admin.edit_user", user_id=u.id), f"{u.email} · {u.role.name}") for u in rows]

