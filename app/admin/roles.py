"""Admin: built-in and custom roles, and the permissions of custom roles."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func

from app import audit, edits
from app.admin import bp
from app.admin.forms import RoleForm
from app.extensions import db
from app.forms import choices
from app.htmx import confirm_page, redirect_after_post
from app.models import Invitation, Role, RolePermission, User
from app.permissions import declared_permissions, role_permissions, ungrantable, user_permissions
from app.permissions import permission_required as needs
from app.users import ensure_builtin_roles


def permission_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """`[(module title, [(permission, description), ...]), ...]` in declaration order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for perm, (description, title) in declared_permissions().items():
        groups.setdefault(title, []).append((perm, description))
    return list(groups.items())


@bp.route("/roles")
@needs("admin.roles")
def roles():
    ensure_builtin_roles()
    db.session.commit()
    all_roles = db.session.scalars(db.select(Role).order_by(Role.key.is_(None), Role.id)).all()
    counts = dict(db.session.execute(db.select(User.role_id, func.count(User.id)).group_by(User.role_id)).all())
    rows = [(role, counts.get(role.id, 0), len(role_permissions(role)), locked_because(role))
            for role in all_roles]
    return render_template("admin/roles.html", rows=rows, total=len(declared_permissions()))


def locked_because(role: Role) -> str | None:
    """Why the signed-in user may not change or delete `role`, or None if they may.

    Changing one's own role, or a role with a permission one lacks (adding to
    it or taking from it), would reach beyond one's own rights."""
    if role.builtin:
        return "Built-in roles cannot be changed."
    if role.id == current_user.role_id:
        return "This is your own role: someone else who manages roles has to change it."
    if missing := ungrantable(role_permissions(role)):
        return f"It has permissions you do not have ({', '.join(missing)}), so only someone who has them can change it."
    return None


def _show_locked(role: Role, reason: str, status: int = 200):
    return render_template("admin/role_locked.html", role=role, reason=reason, groups=permission_groups(),
                           granted=role_permissions(role)), status


def _refuse_locked(role: Role, reason: str):
    """A forged change of a role the user may not change: audited, and the
    read-only page with the reason."""
    audit.record(audit.DENIED, role, summary=f"{request.method} {request.path}: {reason}")
    db.session.commit()
    return _show_locked(role, reason, 403)


def _name_taken(name: str, role: Role | None) -> bool:
    query = db.select(Role.id).where(func.lower(Role.name) == name.lower())
    if role is not None:
        query = query.where(Role.id != role.id)
    return db.session.execute(query.limit(1)).first() is not None


def _form(role: Role | None, formdata=...) -> RoleForm:
    """The role's form: as posted (`formdata=...`), or as stored (`formdata=None`)."""
    data = {} if role is None else {"name": role.name, "description": role.description,
                                    "permissions": sorted(role_permissions(role))}
    form = RoleForm(**data) if formdata is ... else RoleForm(formdata=formdata, **data)
    form.permissions.choices = choices((p, p) for p in declared_permissions())
    return form


def _set_permissions(role: Role, wanted: set[str]) -> tuple[list[str], list[str]]:
    """Store exactly `wanted` (of the enabled modules' permissions); keep grants
    of disabled modules untouched. Returns (added, removed)."""
    declared = declared_permissions()
    current = {g.permission for g in role.grants if g.permission in declared}
    added, removed = sorted(wanted - current), sorted(current - wanted)
    role.grants = [g for g in role.grants if g.permission not in removed]
    role.grants.extend(RolePermission(permission=p) for p in added)
    return added, removed


def _audit_permissions(role: Role, before: set[str], added: list[str], removed: list[str]) -> None:
    """Recorded as a change of "permissions" (the form's field), so that an
    edit conflict on them can name who changed them (app/edits)."""
    if added or removed:
        parts = [f"added {', '.join(added)}" if added else "", f"removed {', '.join(removed)}" if removed else ""]
        summary = f"Permissions of {role.name}: " + "; ".join(p for p in parts if p)
        after = (before | set(added)) - set(removed)
        audit.record(audit.ROLE_CHANGE, role, summary=summary,
                     changes={"permissions": (sorted(before), sorted(after))})


def _check(form: RoleForm, role: Role | None) -> None:
    """Errors next to the fields; granting a permission one does not hold is
    also audited as a denied attempt (the form never offers it)."""
    if _name_taken(form.name.data, role):
        form.name.errors.append("Another role already has this name.")
    if missing := ungrantable(form.permissions.data):
        form.permissions.errors.append("You cannot grant permissions you do not have yourself: "
                                       f"{', '.join(missing)}.")
        audit.record(audit.DENIED, role, object_type="core_role",
                     summary=f"{request.method} {request.path}: tried to grant {', '.join(missing)}")
        db.session.commit()


def _render_form(form: RoleForm, role: Role | None, status: int = 200):
    return render_template("admin/role_form.html", form=form, role=role, groups=permission_groups(),
                           chosen=set(form.permissions.data or ()),
                           withheld=set(declared_permissions()) - user_permissions()), 422 if form.errors else status


@bp.route("/roles/new", methods=["GET", "POST"])
@needs("admin.roles")
def new_role():
    form = _form(None)
    if form.validate_on_submit():
        _check(form, None)
        if not form.errors:
            role = Role(name=form.name.data, description=form.description.data or "")
            db.session.add(role)
            db.session.flush()
            audit.record(audit.CREATE, role, summary=f"Created the role {role.name}")
            _audit_permissions(role, set(), *_set_permissions(role, set(form.permissions.data)))
            db.session.commit()
            flash(f"The role {role.name} is created.", "success")
            return redirect_after_post(url_for("admin.roles"))
    return _render_form(form, None)


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@needs("admin.roles")
def edit_role(role_id: int):
    role = db.get_or_404(Role, role_id)
    if role.builtin and request.method == "POST":
        abort(405)
    if reason := locked_because(role):
        return _refuse_locked(role, reason) if request.method == "POST" else _show_locked(role, reason)
    form = _form(role, None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate():
        _check(form, role)
        if not form.errors and not edits.settle(form, role, lambda: _form(role, None)):
            status = 409
        elif not form.errors:
            changes = audit.diff(role, {"name": form.name.data, "description": form.description.data or ""})
            if changes:
                audit.record(audit.UPDATE, role, summary=f"Edited the role {role.name}", changes=changes)
            before = set(role_permissions(role))
            _audit_permissions(role, before, *_set_permissions(role, set(form.permissions.data)))
            db.session.commit()
            flash(edits.saved_message(f"The role {role.name} is saved.", form), "success")
            return redirect_after_post(url_for("admin.roles"))
    return _render_form(form, role, status)


def _delete_problem(role: Role) -> str | None:
    if db.session.execute(db.select(User.id).where(User.role_id == role.id).limit(1)).first():
        return f"The role {role.name} cannot be deleted while users have it. Give them another role first."
    pending = db.session.scalars(db.select(Invitation).where(
        Invitation.role_id == role.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))
    if any(i.status == "pending" for i in pending):
        return f"The role {role.name} cannot be deleted while invitations with it are pending. Revoke them first."
    return None


@bp.route("/roles/<int:role_id>/delete", methods=["GET", "POST"])
@needs("admin.roles")
def delete_role(role_id: int):
    role = db.get_or_404(Role, role_id)
    if role.builtin:
        abort(404)
    if reason := locked_because(role):
        return _refuse_locked(role, reason)
    problem = _delete_problem(role)
    if problem:
        flash(problem, "error")
        return redirect_after_post(url_for("admin.edit_role", role_id=role.id))
    if request.method == "GET":
        return confirm_page(f"Delete the role {role.name}?",
                            f"Delete the role {role.name}? No user has it; this cannot be undone.",
                            "Delete role", url_for("admin.edit_role", role_id=role.id))
    audit.record(audit.DELETE, role, summary=f"Deleted the role {role.name}",
                 changes={"permissions": (sorted(g.permission for g in role.grants), None)})
    db.session.execute(db.delete(Invitation).where(Invitation.role_id == role.id))  # closed ones only
    db.session.delete(role)
    db.session.commit()
    flash(f"The role {role.name} is deleted.", "success")
    return redirect_after_post(url_for("admin.roles"))
