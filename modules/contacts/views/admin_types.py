"""Contacts settings: relationship types (built-ins can be renamed, not deleted)."""

from __future__ import annotations

from flask import flash, request, url_for
from sqlalchemy import and_, func, or_

from app import audit, edits
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.contacts.models import (
    Relationship,
    RelationshipType,
)
from modules.contacts.views import bp
from modules.contacts.views.admin import ADMIN, confirm, plural, render
from modules.contacts.views.admin_forms import RelationshipTypeForm

# --- Relationship types -------------------------------------------------------

def _type_count(rtype: RelationshipType) -> int:
    return db.session.scalar(db.select(func.count(Relationship.id)).where(Relationship.type_id == rtype.id))


@bp.route("/admin/relationship-types")
@permission_required(ADMIN)
def admin_relationship_types():
    types = db.session.scalars(db.select(RelationshipType).order_by(
        RelationshipType.key.is_(None), func.lower(RelationshipType.a_to_b))).all()
    counts = dict(db.session.execute(
        db.select(Relationship.type_id, func.count(Relationship.id)).group_by(Relationship.type_id)).all())
    return render("contacts/admin_relationship_types.html", types=types, counts=counts)


def _type_names(form: RelationshipTypeForm) -> tuple[str, str]:
    return form.a_to_b.data, form.a_to_b.data if form.symmetric.data else form.b_to_a.data


def _type_taken(a_to_b: str, b_to_a: str, rtype: RelationshipType | None) -> bool:
    query = db.select(RelationshipType.id).where(
        or_(and_(func.lower(RelationshipType.a_to_b) == a_to_b.lower(),
                 func.lower(RelationshipType.b_to_a) == b_to_a.lower()),
            and_(func.lower(RelationshipType.a_to_b) == b_to_a.lower(),
                 func.lower(RelationshipType.b_to_a) == a_to_b.lower())))
    if rtype is not None:
        query = query.where(RelationshipType.id != rtype.id)
    return db.session.execute(query.limit(1)).first() is not None


def _save_type(form: RelationshipTypeForm, rtype: RelationshipType | None):
    a_to_b, b_to_a = _type_names(form)
    if _type_taken(a_to_b, b_to_a, rtype):
        form.a_to_b.errors.append(f"A relationship type “{a_to_b}” / “{b_to_a}” already exists.")
        return None
    if rtype is None:
        rtype = RelationshipType(a_to_b=a_to_b, b_to_a=b_to_a)
        db.session.add(rtype)
        db.session.flush()
        audit.record(audit.CREATE, rtype, summary=f"Created the relationship type {a_to_b} / {b_to_a}")
    else:
        old = f"{rtype.a_to_b} / {rtype.b_to_a}"
        changes = audit.diff(rtype, {"a_to_b": a_to_b, "b_to_a": b_to_a})
        if changes:
            audit.record(audit.UPDATE, rtype, summary=f"Edited the relationship type {old}", changes=changes)
    db.session.commit()
    flash(edits.saved_message(f"The relationship type {a_to_b} / {b_to_a} is saved.", form), "success")
    return redirect_after_post(url_for("contacts.admin_relationship_types"))


@bp.route("/admin/relationship-types/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_relationship_type_new():
    form = RelationshipTypeForm()
    if form.validate_on_submit():
        done = _save_type(form, None)
        if done:
            return done
    return render("contacts/admin_relationship_type_form.html", 422 if form.errors else 200,
                   form=form, rtype=None, count=0)


@bp.route("/admin/relationship-types/<int:type_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_relationship_type_edit(type_id: int):
    rtype = db.get_or_404(RelationshipType, type_id)

    def stored_form(formdata=None):
        kwargs = {} if formdata is ... else {"formdata": formdata}
        return RelationshipTypeForm(**kwargs, a_to_b=rtype.a_to_b, b_to_a=rtype.b_to_a,
                                    symmetric=rtype.a_to_b == rtype.b_to_a)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, rtype, stored_form):
        status = 409
    elif not form.errors:
        done = _save_type(form, rtype)
        if done:
            return done
    return render("contacts/admin_relationship_type_form.html", 422 if form.errors else status,
                  form=form, rtype=rtype, count=_type_count(rtype))


@bp.route("/admin/relationship-types/<int:type_id>/delete", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_relationship_type_delete(type_id: int):
    rtype = db.get_or_404(RelationshipType, type_id)
    name = f"{rtype.a_to_b} / {rtype.b_to_a}"
    if rtype.key is not None:
        flash(f"{name} is built in and cannot be deleted; you can rename it.", "error")
        return redirect_after_post(url_for("contacts.admin_relationship_type_edit", type_id=rtype.id))
    count = _type_count(rtype)
    if request.method == "GET":
        loss = (f"{plural(count, 'relationship')} of this type will be deleted with it" if count
                else "No relationship uses it")
        return confirm(f"Delete the relationship type {name}?",
                        f"Delete the relationship type {name}? {loss}. This cannot be undone.",
                        "Delete the type", url_for("contacts.admin_relationship_type_edit", type_id=rtype.id))
    audit.record(audit.DELETE, rtype, summary=f"Deleted the relationship type {name} and "
                                              f"{plural(count, 'relationship')}",
                 changes={"a_to_b": (rtype.a_to_b, None), "b_to_a": (rtype.b_to_a, None),
                          "relationships": (count, 0)})
    db.session.execute(db.delete(Relationship).where(Relationship.type_id == rtype.id))
    db.session.delete(rtype)
    db.session.commit()
    flash(f"The relationship type {name} is deleted"
          + (f", with {plural(count, 'relationship')}." if count else "."), "success")
    return redirect_after_post(url_for("contacts.admin_relationship_types"))
