"""Contacts settings: tags (palette, counts, merge, delete)."""

from __future__ import annotations

from flask import flash, request, url_for
from sqlalchemy import func, literal
from sqlalchemy.orm import aliased

from app import audit, edits
from app.extensions import db
from app.forms import choices
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.contacts.models import (
    ContactTag,
    Tag,
)
from modules.contacts.views import bp
from modules.contacts.views.admin import ADMIN, confirm, plural, render
from modules.contacts.views.admin_forms import TagForm, TagMergeForm

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
    return render("contacts/admin_tags.html", status, tags=tags, counts=_tag_counts(), form=form)


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

    def stored_form(formdata=None):
        kwargs = {} if formdata is ... else {"formdata": formdata}
        return TagForm(**kwargs, name=tag.name, colour=tag.colour)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, tag, stored_form):
        status = 409
    elif not form.errors:
        if _tag_name_taken(form.name.data, tag):
            form.name.errors.append(f"Another tag is named “{form.name.data}” (names ignore case). "
                                    "To combine the two, merge them instead.")
        else:
            old_name = tag.name
            changes = audit.diff(tag, {"name": form.name.data, "colour": form.colour.data})
            if changes:
                audit.record(audit.UPDATE, tag, summary=f"Edited the tag {old_name}", changes=changes)
            db.session.commit()
            flash(edits.saved_message(f"The tag {tag.name} is saved.", form), "success")
            return redirect_after_post(url_for("contacts.admin_tags"))
    return render("contacts/admin_tag_form.html", 422 if form.errors else status, tag=tag, form=form,
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
                                                       f"{plural(count, 'contact')} had it, "
                                                       f"{plural(moved, 'contact')} newly tagged {target.name}",
                         changes={"merged": (tag.name, None)})
            audit.record(audit.DELETE, tag, summary=f"Deleted the tag {tag.name} (merged into {target.name})")
            db.session.delete(tag)
            db.session.commit()
            flash(f"The tag {tag.name} is merged into {target.name}.", "success")
            return redirect_after_post(url_for("contacts.admin_tags"))
    return render("contacts/admin_tag_merge.html", 422 if form.errors else 200, tag=tag, form=form,
                   count=count, others=others)


@bp.route("/admin/tags/<int:tag_id>/delete", methods=["GET", "POST"])
@permission_required(ADMIN)
def admin_tag_delete(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    count = _tag_count(tag)
    if request.method == "GET":
        loss = f"{plural(count, 'contact')} will lose it" if count else "No contact has it"
        return confirm(f"Delete the tag {tag.name}?", f"Delete the tag {tag.name}? {loss}. This cannot be undone.",
                        "Delete the tag", url_for("contacts.admin_tag_edit", tag_id=tag.id))
    audit.record(audit.DELETE, tag, summary=f"Deleted the tag {tag.name}; {plural(count, 'contact')} lost it",
                 changes={"name": (tag.name, None), "contacts": (count, 0)})
    db.session.execute(db.delete(ContactTag).where(ContactTag.tag_id == tag.id))
    db.session.delete(tag)
    db.session.commit()
    flash(f"The tag {tag.name} is deleted; {plural(count, 'contact')} lost it.", "success")
    return redirect_after_post(url_for("contacts.admin_tags"))
