"""Saved segments: a named list query (quick search + filter rules),
re-evaluated every time it is used.

Other modules use `contact_ids_select(segment)` (a SELECT of live contact
ids) to act on a segment, e.g. campaigns sending to it. Private segments
are seen only by their owner; shared ones by everyone with contacts.view;
the owner or a contacts.admin may change or delete them.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app import audit
from app.extensions import db
from app.permissions import can
from modules.contacts import hooks
from modules.contacts.lists import queries
from modules.contacts.models import Segment


class SegmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the segment a name."), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2000)],
                                description="Optional: what these contacts have in common.")
    shared = BooleanField("Shared with everyone who can see contacts", default=True)


def visible(user):
    """Segments `user` may see, by name."""
    return select(Segment).where(or_(Segment.shared.is_(True), Segment.owner_id == user.id)).order_by(Segment.name)


def may_see(segment: Segment, user) -> bool:
    return segment.shared or segment.owner_id == user.id


def may_manage(segment: Segment, user) -> bool:
    return segment.owner_id == user.id or can("contacts.admin")


def name_taken(name: str, except_id: int | None = None) -> bool:
    stmt = select(Segment.id).where(Segment.name == name.strip())
    if except_id is not None:
        stmt = stmt.where(Segment.id != except_id)
    return db.session.execute(stmt.limit(1)).first() is not None


def list_query(segment: Segment, specs: dict | None = None) -> queries.ListQuery:
    return queries.ListQuery.from_json(segment.filters, specs if specs is not None else hooks.filter_specs())


def contact_ids_select(segment: Segment):
    """A SELECT of the ids of the live contacts in `segment`, evaluated now.
    "Me" in a rule means the segment's owner. Rules that no longer make sense
    (their module was disabled) are left out, as on the list page."""
    lq = resolve_me(list_query(segment), segment.owner_id)
    return queries.ids_select(lq, hooks.filter_specs())


def resolve_me(lq: queries.ListQuery, user_id: int | None) -> queries.ListQuery:
    """Rules saying "me" made concrete, for use outside a request."""
    for rule in lq.rules:
        if rule.key == "owner" and rule.value.strip() == "me":
            rule.value = str(user_id) if user_id is not None else "0"
    return lq


def create(form: SegmentForm, lq: queries.ListQuery, user) -> Segment:
    segment = Segment(name=form.name.data.strip(), description=form.description.data or "",
                      shared=bool(form.shared.data), filters=lq.to_json(), owner_id=user.id)
    db.session.add(segment)
    db.session.flush()
    audit.record(audit.CREATE, segment, user=user, summary=f"Saved the segment “{segment.name}”")
    return segment


def update(segment: Segment, form: SegmentForm, lq: queries.ListQuery | None, user) -> dict:
    values = {"name": form.name.data.strip(), "description": form.description.data or "",
              "shared": bool(form.shared.data)}
    if lq is not None:
        values["filters"] = lq.to_json()
    changes = audit.diff(segment, values)
    if changes:
        audit.record(audit.UPDATE, segment, user=user, summary=f"Changed the segment “{segment.name}”",
                     changes=changes)
    return changes


def delete(segment: Segment, user) -> None:
    audit.record(audit.DELETE, segment, user=user, summary=f"Deleted the segment “{segment.name}”")
    db.session.delete(segment)
