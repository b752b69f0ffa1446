"""Contacts settings: custom fields (order, choices in use, type lock)."""

from __future__ import annotations

import hashlib

from flask import abort, flash, request, url_for
from sqlalchemy import func

from app import audit, edits
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.contacts.models import (
    Contact,
    CustomField,
    CustomValue,
)
from modules.contacts.views import bp
from modules.contacts.views.admin import ADMIN, confirm, plural, render
from modules.contacts.views.admin_forms import CHOICE_TYPES, CustomFieldForm, parse_choices, slugify

# --- Custom fields ------------------------------------------------------------

def _ordered_fields() -> list[CustomField]:
    return db.session.scalars(db.select(CustomField).order_by(CustomField.position, CustomField.id)).all()


@bp.route("/admin/fields")
@permission_required(ADMIN)
def admin_fields():
    fields = _ordered_fields()
    counts = dict(db.session.execute(
        db.select(CustomValue.field_id, func.count(func.distinct(CustomValue.contact_id)))
        .group_by(CustomValue.field_id)).all())
    return render("contacts/admin_fields.html", fields=fields, counts=counts)


def _value_count(field: CustomField) -> tuple[int, int]:
    """(values, contacts with a value) of a field."""
    values, contacts = db.session.execute(
        db.select(func.count(CustomValue.id), func.count(func.distinct(CustomValue.contact_id)))
        .where(CustomValue.field_id == field.id)).one()
    return values, contacts


def _choices_in_use(field: CustomField, removed: list[str]) -> dict[str, int]:
    """How many contacts hold each of `removed` (choices about to disappear)."""
    if not removed or field.type not in CHOICE_TYPES:
        return {}
    rows = db.session.execute(
        db.select(CustomValue.value_text, func.count(func.distinct(CustomValue.contact_id)))
        .where(CustomValue.field_id == field.id, CustomValue.value_text.in_(removed))
        .group_by(CustomValue.value_text)).all()
    return {text: n for text, n in rows if n}


def _field_form(field: CustomField | None, formdata=...) -> CustomFieldForm:
    """The field's form: as posted (`formdata=...`), or as stored (`formdata=None`)."""
    if field is None:
        return CustomFieldForm(kinds=["person"])
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = CustomFieldForm(**kwargs, label=field.label, key=field.key, type=field.type, kinds=list(field.kinds),
                           choices="\n".join(field.choices), active=field.active)
    # The key cannot change (the edit page does not post it); the warning's
    # confirmation is not part of the field.
    form.edit_ignore = ("key", "confirm_choices")
    return form


def _render_field_form(form: CustomFieldForm, field: CustomField | None, *, in_use: dict | None = None,
                       values: int = 0, status: int = 200):
    if values:
        form.type.description = (f"This field holds {plural(values, 'value')}, so its type cannot change. "
                                 "Make a new field of the type you need instead.")
    status = 422 if form.errors or in_use else status
    return render("contacts/admin_field_form.html", status, form=form, field=field, in_use=in_use or {},
                   values=values)


@bp.route("/admin/fields/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_field_new():
    form = _field_form(None)
    if form.validate_on_submit():
        key = form.key.data or slugify(form.label.data)
        taken = db.session.scalar(db.select(CustomField.id).where(CustomField.key == key).limit(1))
        if not key:
            form.key.errors.append("The label has no letters to make a key from; enter a key.")
        elif key in Contact.__table__.columns:
            form.key.errors.append(f"“{key}” is a built-in contact field; choose another key.")
        elif taken:
            form.key.errors.append(f"Another custom field already has the key “{key}”; choose another key.")
        else:
            position = (db.session.scalar(db.select(func.max(CustomField.position))) or 0) + 1
            field = CustomField(key=key, label=form.label.data, type=form.type.data, kinds=list(form.kinds.data),
                                choices=parse_choices(form.choices.data) if form.type.data in CHOICE_TYPES else [],
                                position=position, active=form.active.data)
            db.session.add(field)
            db.session.flush()
            audit.record(audit.CREATE, field, summary=f"Created the custom field {field.label} ({field.key})",
                         changes={"type": (None, field.type), "kinds": (None, field.kinds),
                                  "choices": (None, field.choices), "active": (None, field.active)})
            db.session.commit()
            flash(f"The custom field {field.label} is created.", "success")
            return redirect_after_post(url_for("contacts.admin_fields"))
    return _render_field_form(form, None)


@bp.route("/admin/fields/<int:field_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_field_edit(field_id: int):
    field = db.get_or_404(CustomField, field_id)
    form = _field_form(field, None if request.method == "GET" else ...)
    values, _contacts = _value_count(field)
    if request.method == "GET":
        edits.stamp(form)
    if not form.validate_on_submit():
        return _render_field_form(form, field, values=values)
    if not edits.settle(form, field, lambda: _field_form(field, None)):
        return _render_field_form(form, field, values=values, status=409)
    if form.type.data != field.type and values:
        form.type.errors.append(f"The type cannot change: this field holds {plural(values, 'value')}.")
        return _render_field_form(form, field, values=values)
    new_choices = parse_choices(form.choices.data) if form.type.data in CHOICE_TYPES else []
    removed = [c for c in field.choices if c not in new_choices]
    in_use = _choices_in_use(field, removed)
    seen = hashlib.sha256("\n".join(sorted(in_use)).encode()).hexdigest()[:16]  # what the admin was warned about
    if in_use and form.confirm_choices.data != seen:
        form.confirm_choices.data = seen
        return _render_field_form(form, field, in_use=in_use, values=values)
    changes = audit.diff(field, {"label": form.label.data, "type": form.type.data,
                                 "kinds": list(form.kinds.data), "choices": new_choices,
                                 "active": form.active.data})
    if changes:
        summary = f"Edited the custom field {field.label} ({field.key})"
        if in_use:
            summary += "; kept values of removed choices: " + ", ".join(f"{c} ({n})" for c, n in in_use.items())
        audit.record(audit.UPDATE, field, summary=summary, changes=changes)
    db.session.commit()
    flash(edits.saved_message(f"The custom field {field.label} is saved.", form), "success")
    return redirect_after_post(url_for("contacts.admin_fields"))


@bp.route("/admin/fields/<int:field_id>/move", methods=["POST"])
@permission_required(ADMIN)
def admin_field_move(field_id: int):
    fields = _ordered_fields()
    index = next((i for i, f in enumerate(fields) if f.id == field_id), None)
    if index is None:
        abort(404)
    direction = request.form.get("direction")
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None:
        abort(400)
    if 0 <= other < len(fields):
        fields[index], fields[other] = fields[other], fields[index]
        for position, f in enumerate(fields, start=1):
            f.position = position
        moved = fields[other]
        audit.record(audit.UPDATE, moved, summary=f"Moved the custom field {moved.label} {direction}",
                     changes={"position": (index + 1, other + 1)})
        db.session.commit()
    return redirect_after_post(url_for("contacts.admin_fields") + f"#field-{field_id}",
                               trigger="contacts-fields-changed")


@bp.route("/admin/fields/<int:field_id>/delete", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_field_delete(field_id: int):
    field = db.get_or_404(CustomField, field_id)
    values, contacts = _value_count(field)
    if request.method == "GET":
        loss = (f"{plural(values, 'value')} on {plural(contacts, 'contact')} will be deleted with it"
                if values else "No contact has a value for it")
        return confirm(f"Delete the custom field {field.label}?",
                        f"Delete the custom field {field.label} ({field.key})? {loss}. This cannot be undone. "
                        "To hide it but keep its values, make it inactive instead.",
                        "Delete the field", url_for("contacts.admin_field_edit", field_id=field.id))
    audit.record(audit.DELETE, field, summary=f"Deleted the custom field {field.label} ({field.key}) "
                                              f"and its {plural(values, 'value')}",
                 changes={"label": (field.label, None), "type": (field.type, None), "values": (values, 0)})
    db.session.execute(db.delete(CustomValue).where(CustomValue.field_id == field.id))
    db.session.delete(field)
    db.session.commit()
    flash(f"The custom field {field.label} and its {plural(values, 'value')} are deleted.", "success")
    return redirect_after_post(url_for("contacts.admin_fields"))
