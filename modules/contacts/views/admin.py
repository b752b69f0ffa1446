"""Contacts admin: custom fields, tags, relationship types, and the trash.

Every change is audited and works without JavaScript: real forms, a 303
after each change, a GET confirmation page before anything is deleted (and
`hx-confirm` when htmx is on)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import abort, flash, render_template, request, url_for
from sqlalchemy import and_, func, literal, or_
from sqlalchemy.orm import aliased

from app import audit
from app.dates import when
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_after_post
from app.models import AuditEntry
from app.models.base import utcnow
from app.paging import PER_PAGE
from app.permissions import can, permission_required
from modules.contacts import records
from modules.contacts.admin_forms import (
    CHOICE_TYPES,
    FIELD_TYPES,
    KIND_NAMES,
    TAG_COLOURS,
    CustomFieldForm,
    PurgeOldForm,
    RelationshipTypeForm,
    TagForm,
    TagMergeForm,
    parse_choices,
    slugify,
)
from modules.contacts.models import (
    Contact,
    ContactTag,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Tag,
)
from modules.contacts.views import bp

ADMIN = "contacts.admin"


def _render(template: str, status: int = 200, **context):
    return render_template(template, when=when, field_types=FIELD_TYPES, kind_names=KIND_NAMES,
                           tag_colours=TAG_COLOURS, kind_labels=records.KIND_LABELS, **context), status


def _confirm(title: str, question: str, button: str, cancel: str, hidden: dict | None = None, status: int = 200):
    return _render("contacts/admin_confirm.html", status, title=title, question=question, button=button,
                   cancel=cancel, action=request.path, hidden=hidden or {})


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# --- The landing page ---------------------------------------------------------

@bp.route("/admin")
@permission_required(ADMIN)
def admin_index():
    return _render("contacts/admin_index.html")


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
    return _render("contacts/admin_fields.html", fields=fields, counts=counts)


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


def _field_form(field: CustomField | None) -> CustomFieldForm:
    if field is None:
        return CustomFieldForm(kinds=["person"])
    return CustomFieldForm(label=field.label, key=field.key, type=field.type, kinds=list(field.kinds),
                           choices="\n".join(field.choices), active=field.active)


def _render_field_form(form: CustomFieldForm, field: CustomField | None, *, in_use: dict | None = None,
                       values: int = 0):
    if values:
        form.type.description = (f"This field holds {_plural(values, 'value')}, so its type cannot change. "
                                 "Make a new field of the type you need instead.")
    status = 422 if form.errors or in_use else 200
    return _render("contacts/admin_field_form.html", status, form=form, field=field, in_use=in_use or {},
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
    form = _field_form(field)
    values, _contacts = _value_count(field)
    if not form.validate_on_submit():
        return _render_field_form(form, field, values=values)
    if form.type.data != field.type and values:
        form.type.errors.append(f"The type cannot change: this field holds {_plural(values, 'value')}.")
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
    flash(f"The custom field {field.label} is saved.", "success")
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
        loss = (f"{_plural(values, 'value')} on {_plural(contacts, 'contact')} will be deleted with it"
                if values else "No contact has a value for it")
        return _confirm(f"Delete the custom field {field.label}?",
                        f"Delete the custom field {field.label} ({field.key})? {loss}. This cannot be undone. "
                        "To hide it but keep its values, make it inactive instead.",
                        "Delete the field", url_for("contacts.admin_field_edit", field_id=field.id))
    audit.record(audit.DELETE, field, summary=f"Deleted the custom field {field.label} ({field.key}) "
                                              f"and its {_plural(values, 'value')}",
                 changes={"label": (field.label, None), "type": (field.type, None), "values": (values, 0)})
    db.session.execute(db.delete(CustomValue).where(CustomValue.field_id == field.id))
    db.session.delete(field)
    db.session.commit()
    flash(f"The custom field {field.label} and its {_plural(values, 'value')} are deleted.", "success")
    return redirect_after_post(url_for("contacts.admin_fields"))


# --- Tags -------------------------------------------------------------------

def _tag_counts() -> dict[int, int]:
    return dict(db.session.execute(
        db.select(ContactTag.tag_id, func.count(ContactTag.contact_id)).group_by(ContactTag.tag_id)).all())


def _tag_count(tag: Tag) -> int:
    return db.session.scalar(db.select(func.count(ContactTag.contact_id)).where(ContactTag.tag_id == tag.id))


def _tag_name_taken(name: str, tag: Tag | None) -> bool:
    query = db.select(Tag.id).where(func.lower(Tag.name) == name.lower())
    if tag is not None:
        query = query.where(Tag.id != tag.id)
    return db.session.execute(query.limit(1)).first() is not None


def _render_tags(form: TagForm, status: int = 200):
    tags = db.session.scalars(db.select(Tag).order_by(func.lower(Tag.name))).all()
    return _render("contacts/admin_tags.html", status, tags=tags, counts=_tag_counts(), form=form)


@bp.route("/admin/tags")
@permission_required(ADMIN)
def admin_tags():
    return _render_tags(TagForm())


@bp.route("/admin/tags/new", methods=["POST"])
@permission_required(ADMIN)
def admin_tag_new():
    form = TagForm()
    if form.validate_on_submit():
        if _tag_name_taken(form.name.data, None):
            form.name.errors.append(f"A tag named “{form.name.data}” already exists (names ignore case).")
        else:
            tag = Tag(name=form.name.data, colour=form.colour.data)
            db.session.add(tag)
            db.session.flush()
            audit.record(audit.CREATE, tag, summary=f"Created the tag {tag.name}",
                         changes={"colour": (None, tag.colour)})
            db.session.commit()
            flash(f"The tag {tag.name} is created.", "success")
            return redirect_after_post(url_for("contacts.admin_tags"))
    return _render_tags(form, 422)


@bp.route("/admin/tags/<int:tag_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_tag_edit(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    form = TagForm(name=tag.name, colour=tag.colour)
    if form.validate_on_submit():
        if _tag_name_taken(form.name.data, tag):
            form.name.errors.append(f"Another tag is named “{form.name.data}” (names ignore case). "
                                    "To combine the two, merge them instead.")
        else:
            old_name = tag.name
            changes = audit.diff(tag, {"name": form.name.data, "colour": form.colour.data})
            if changes:
                audit.record(audit.UPDATE, tag, summary=f"Edited the tag {old_name}", changes=changes)
            db.session.commit()
            flash(f"The tag {tag.name} is saved.", "success")
            return redirect_after_post(url_for("contacts.admin_tags"))
    return _render("contacts/admin_tag_form.html", 422 if form.errors else 200, tag=tag, form=form,
                   count=_tag_count(tag))


@bp.route("/admin/tags/<int:tag_id>/merge", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_tag_merge(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    others = db.session.scalars(db.select(Tag).where(Tag.id != tag.id).order_by(func.lower(Tag.name))).all()
    form = TagMergeForm()
    form.target.choices = choices([(0, "Choose a tag…")] + [(t.id, t.name) for t in others])
    count = _tag_count(tag)
    if form.validate_on_submit():
        target = db.session.get(Tag, form.target.data)
        if target is None or target.id == tag.id:
            form.target.errors.append("Choose another tag to merge into.")
        else:
            other = aliased(ContactTag)
            has_target = db.select(other.contact_id).where(other.tag_id == target.id,
                                                           other.contact_id == ContactTag.contact_id)
            newly = db.select(ContactTag.contact_id, literal(target.id)).where(
                ContactTag.tag_id == tag.id, ~has_target.exists())
            # Counted first: not every driver reports rowcount for INSERT ... SELECT.
            moved = db.session.scalar(db.select(func.count()).select_from(newly.subquery()))
            db.session.execute(db.insert(ContactTag).from_select(["contact_id", "tag_id"], newly))
            db.session.execute(db.delete(ContactTag).where(ContactTag.tag_id == tag.id))
            audit.record(audit.UPDATE, target, summary=f"Merged the tag {tag.name} into {target.name}: "
                                                       f"{_plural(count, 'contact')} had it, "
                                                       f"{_plural(moved, 'contact')} newly tagged {target.name}",
                         changes={"merged": (tag.name, None)})
            audit.record(audit.DELETE, tag, summary=f"Deleted the tag {tag.name} (merged into {target.name})")
            db.session.delete(tag)
            db.session.commit()
            flash(f"The tag {tag.name} is merged into {target.name}.", "success")
            return redirect_after_post(url_for("contacts.admin_tags"))
    return _render("contacts/admin_tag_merge.html", 422 if form.errors else 200, tag=tag, form=form,
                   count=count, others=others)


@bp.route("/admin/tags/<int:tag_id>/delete", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_tag_delete(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    count = _tag_count(tag)
    if request.method == "GET":
        loss = f"{_plural(count, 'contact')} will lose it" if count else "No contact has it"
        return _confirm(f"Delete the tag {tag.name}?", f"Delete the tag {tag.name}? {loss}. This cannot be undone.",
                        "Delete the tag", url_for("contacts.admin_tag_edit", tag_id=tag.id))
    audit.record(audit.DELETE, tag, summary=f"Deleted the tag {tag.name}; {_plural(count, 'contact')} lost it",
                 changes={"name": (tag.name, None), "contacts": (count, 0)})
    db.session.execute(db.delete(ContactTag).where(ContactTag.tag_id == tag.id))
    db.session.delete(tag)
    db.session.commit()
    flash(f"The tag {tag.name} is deleted; {_plural(count, 'contact')} lost it.", "success")
    return redirect_after_post(url_for("contacts.admin_tags"))


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
    return _render("contacts/admin_relationship_types.html", types=types, counts=counts)


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
    flash(f"The relationship type {a_to_b} / {b_to_a} is saved.", "success")
    return redirect_after_post(url_for("contacts.admin_relationship_types"))


@bp.route("/admin/relationship-types/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_relationship_type_new():
    form = RelationshipTypeForm()
    if form.validate_on_submit():
        done = _save_type(form, None)
        if done:
            return done
    return _render("contacts/admin_relationship_type_form.html", 422 if form.errors else 200,
                   form=form, rtype=None, count=0)


@bp.route("/admin/relationship-types/<int:type_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_relationship_type_edit(type_id: int):
    rtype = db.get_or_404(RelationshipType, type_id)
    form = RelationshipTypeForm(a_to_b=rtype.a_to_b, b_to_a=rtype.b_to_a, symmetric=rtype.a_to_b == rtype.b_to_a)
    if form.validate_on_submit():
        done = _save_type(form, rtype)
        if done:
            return done
    return _render("contacts/admin_relationship_type_form.html", 422 if form.errors else 200,
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
        loss = (f"{_plural(count, 'relationship')} of this type will be deleted with it" if count
                else "No relationship uses it")
        return _confirm(f"Delete the relationship type {name}?",
                        f"Delete the relationship type {name}? {loss}. This cannot be undone.",
                        "Delete the type", url_for("contacts.admin_relationship_type_edit", type_id=rtype.id))
    audit.record(audit.DELETE, rtype, summary=f"Deleted the relationship type {name} and "
                                              f"{_plural(count, 'relationship')}",
                 changes={"a_to_b": (rtype.a_to_b, None), "b_to_a": (rtype.b_to_a, None),
                          "relationships": (count, 0)})
    db.session.execute(db.delete(Relationship).where(Relationship.type_id == rtype.id))
    db.session.delete(rtype)
    db.session.commit()
    flash(f"The relationship type {name} is deleted"
          + (f", with {_plural(count, 'relationship')}." if count else "."), "success")
    return redirect_after_post(url_for("contacts.admin_relationship_types"))


# --- The trash ------------------------------------------------------------------

PURGE_CHUNK = 200
PERMANENT = ("This cannot be undone: their details, notes, tasks and relationships are deleted too. "
             "The purge is recorded in the audit log.")
CURSOR_FORMAT = "%Y%m%d%H%M%S%f"


@dataclass
class TrashPage:
    items: list
    next_url: str | None
    prev_url: str | None
    next_label: str = "Older"
    prev_label: str = "Newer"


def _cursor(name: str) -> tuple[datetime, int] | None:
    stamp, _, ident = request.args.get(name, "").partition("-")
    try:
        return datetime.strptime(stamp, CURSOR_FORMAT).replace(tzinfo=UTC), int(ident)
    except ValueError:
        return None


def _cursor_of(contact: Contact) -> str:
    return f"{contact.deleted_at.astimezone(UTC).strftime(CURSOR_FORMAT)}-{contact.id}"


def _older(cursor):
    at, ident = cursor
    return or_(Contact.deleted_at < at, and_(Contact.deleted_at == at, Contact.id < ident))


def _newer(cursor):
    at, ident = cursor
    return or_(Contact.deleted_at > at, and_(Contact.deleted_at == at, Contact.id > ident))


def trash_page(per_page: int = PER_PAGE) -> TrashPage:
    """Trashed contacts, newest-deleted first, keyset-paged on (deleted_at, id):
    `?before=` goes to older ones, `?after=` back to newer ones."""
    base = db.select(Contact).where(Contact.deleted_at.is_not(None))
    newest_first = (Contact.deleted_at.desc(), Contact.id.desc())
    before, after = _cursor("before"), _cursor("after")
    if after is not None and before is None:
        rows = db.session.scalars(base.where(_newer(after)).order_by(Contact.deleted_at, Contact.id)
                                  .limit(per_page + 1)).all()
        more_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_older = bool(rows) and db.session.execute(
            base.where(_older((rows[-1].deleted_at, rows[-1].id))).with_only_columns(Contact.id).limit(1)
        ).first() is not None
    else:
        query = base if before is None else base.where(_older(before))
        rows = db.session.scalars(query.order_by(*newest_first).limit(per_page + 1)).all()
        more_older = len(rows) > per_page
        rows = rows[:per_page]
        more_newer = before is not None and bool(rows) and db.session.execute(
            base.where(_newer((rows[0].deleted_at, rows[0].id))).with_only_columns(Contact.id).limit(1)
        ).first() is not None
    return TrashPage(
        items=rows,
        next_url=url_for("contacts.trash_list", before=_cursor_of(rows[-1])) if more_older else None,
        prev_url=url_for("contacts.trash_list", after=_cursor_of(rows[0])) if more_newer else None,
    )


def _deleted_by(ids: list[int]) -> dict[int, str]:
    """Who moved each contact to the trash: the latest trash entry in the audit log."""
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(AuditEntry.object_id, AuditEntry.actor).where(
            AuditEntry.object_type == Contact.__tablename__, AuditEntry.action == audit.DELETE,
            AuditEntry.object_id.in_([str(i) for i in ids]))
        .order_by(AuditEntry.id)).all()
    return {int(object_id): actor for object_id, actor in rows}


@bp.route("/trash")
@permission_required("contacts.delete")
def trash_list():
    listing = trash_page()
    return _render("contacts/trash.html", listing=listing, deleted_by=_deleted_by([c.id for c in listing.items]),
                   can_purge=can(ADMIN), purge_form=PurgeOldForm())


def _selected() -> list[Contact]:
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:PER_PAGE * 4]
    if not ids:
        return []
    return db.session.scalars(db.select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_not(None))
                              .order_by(Contact.deleted_at.desc(), Contact.id.desc())).all()


def _restore(contacts: list[Contact]):
    restored = records.restore(contacts)
    db.session.commit()
    if restored == 1:
        flash(f"{contacts[0].display_name} is restored.", "success")
    elif restored:
        flash(f"{_plural(restored, 'contact')} restored.", "success")
    else:
        flash("Nothing to restore: choose contacts in the trash first.", "error")
    return redirect_after_post(url_for("contacts.trash_list"), trigger="contacts-changed")


@bp.route("/trash/<int:contact_id>/restore", methods=["POST"])
@permission_required("contacts.delete")
def trash_restore(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    return _restore([contact] if contact.deleted_at is not None else [])


@bp.route("/trash/restore", methods=["POST"])
@permission_required("contacts.delete")
def trash_restore_selected():
    return _restore(_selected())


def _purge(contacts: list[Contact]) -> int:
    """Purge in chunks: each contact loads its details to delete them with it."""
    done = 0
    for start in range(0, len(contacts), PURGE_CHUNK):
        done += records.purge(contacts[start:start + PURGE_CHUNK])
        db.session.commit()
    return done


def _purge_and_report(contacts: list[Contact]):
    name = contacts[0].display_name if contacts else ""
    purged = _purge(contacts)
    if purged == 1:
        flash(f"{name} is purged for good.", "success")
    elif purged:
        flash(f"{_plural(purged, 'contact')} purged for good.", "success")
    else:
        flash("Nothing to purge: choose contacts in the trash first.", "error")
    return redirect_after_post(url_for("contacts.trash_list"), trigger="contacts-changed")


@bp.route("/trash/<int:contact_id>/purge", methods=["GET", "POST"])
@permission_required(ADMIN)
def trash_purge(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    if contact.deleted_at is None:
        flash(f"{contact.display_name} is not in the trash.", "error")
        return redirect_after_post(url_for("contacts.trash_list"))
    if request.method == "GET":
        return _confirm(f"Purge {contact.display_name}?",
                        f"Purge {contact.display_name} for good? {PERMANENT}",
                        "Purge for good", url_for("contacts.trash_list"))
    return _purge_and_report([contact])


@bp.route("/trash/purge", methods=["POST"])
@permission_required(ADMIN)
def trash_purge_selected():
    """From the trash list: first a confirmation naming the count, then the purge."""
    contacts = _selected()
    if not contacts:
        flash("Nothing to purge: choose contacts in the trash first.", "error")
        return redirect_after_post(url_for("contacts.trash_list"))
    count = _plural(len(contacts), "contact")
    if request.form.get("confirm") != "1":
        return _render("contacts/admin_confirm.html", title=f"Purge {count}?",
                       question=f"Purge {count} for good? {PERMANENT}", button=f"Purge {count} for good",
                       cancel=url_for("contacts.trash_list"), action=request.path,
                       hidden={"ids": [c.id for c in contacts], "confirm": "1"},
                       names=[c.display_name for c in contacts])
    return _purge_and_report(contacts)


@bp.route("/trash/empty", methods=["GET", "POST"])
@permission_required(ADMIN)
def trash_empty():
    """Purge everything deleted more than N days ago: choose N, see the count
    and confirm, then purge (only what was old enough when confirmed)."""
    form = PurgeOldForm()
    if request.method == "GET":
        return _render("contacts/trash_empty.html", form=form, count=None)
    if not form.validate_on_submit():
        return _render("contacts/trash_empty.html", 422, form=form, count=None)
    cutoff = _cutoff_from(request.form.get("cutoff")) or utcnow() - timedelta(days=form.days.data)
    old = (Contact.deleted_at.is_not(None), Contact.deleted_at < cutoff)
    if request.form.get("confirm") != "1":
        count = db.session.scalar(db.select(func.count(Contact.id)).where(*old))
        return _render("contacts/trash_empty.html", form=form, count=count,
                       cutoff=cutoff.strftime(CURSOR_FORMAT), cutoff_at=cutoff)
    purged = 0
    while chunk := db.session.scalars(db.select(Contact).where(*old).order_by(Contact.id)
                                      .limit(PURGE_CHUNK)).all():
        purged += records.purge(chunk)
        db.session.commit()
    if purged:
        flash(f"{_plural(purged, 'contact')} deleted more than {_plural(form.days.data, 'day')} ago "
              "purged for good.", "success")
    else:
        flash("Nothing in the trash was old enough to purge.", "error")
    return redirect_after_post(url_for("contacts.trash_list"), trigger="contacts-changed")


def _cutoff_from(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", CURSOR_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
