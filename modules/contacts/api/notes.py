"""Notes and the other entries people write on a timeline (calls, meetings,
emails): /contacts/{id}/notes and /notes/{id}. Checked by the timeline's
entry form; only their author, or someone who may delete contacts, changes
one (as on the page)."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from werkzeug.datastructures import MultiDict

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.dates import org_zone
from app.extensions import db
from app.models.base import utcnow
from app.permissions import permission_required
from modules.contacts.activity import timeline
from modules.contacts.api import shown
from modules.contacts.models import Activity, Contact

blp = Blueprint("api_notes", __name__, description="Notes, calls, meetings and emails on a contact's timeline")


class Note(ma.Schema):
    id = f.Integer(dump_only=True)
    contact_id = f.Integer(dump_only=True)
    kind = f.String(validate=v.OneOf(timeline.WRITTEN_KINDS), metadata={"description": "note (default), call, "
                                                                                      "meeting or email"})
    subject = f.String(validate=v.Length(max=200))
    body = f.String(validate=v.Length(max=20000))
    occurred_at = f.AwareDateTime(metadata={"description": "When it happened (default: now); not in the future."})
    author_id = f.Integer(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)


NotePage = lists.page_schema(Note, "NotePage")
ALLOWED = set(Note().fields)


def show(activity: Activity) -> dict:
    return {"id": activity.id, "contact_id": activity.contact_id, "kind": activity.kind,
            "subject": activity.subject or "", "body": activity.body or "", "occurred_at": activity.occurred_at,
            "author_id": activity.user_id, "created_at": activity.created_at}


def _checked(data: dict) -> dict:
    """The values to save, checked by the page's entry form."""
    from modules.contacts.views.timeline import new_entry_form

    when = data.get("occurred_at") or utcnow()
    try:
        local = when.astimezone(org_zone()).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, ValueError):
        problems.invalid({"occurred_at": ["Enter a date and time between the years 1 and 9999."]})
    posted = {"entry-kind": data.get("kind") or "note", "entry-subject": data.get("subject") or "",
              "entry-body": data.get("body") or "", "entry-occurred_at": local}
    form = new_entry_form(MultiDict(posted), meta={"csrf": False})
    if not form.validate():
        problems.invalid({name: list(errors) for name, errors in form.errors.items()})
    values = form.values()
    values["occurred_at"] = when.astimezone(UTC)  # to the second, as sent
    return values


def _note(note_id: int, *, changing: bool = False) -> Activity:
    activity = db.session.get(Activity, note_id)
    contact = db.session.get(Contact, activity.contact_id) if activity is not None else None
    if activity is None or activity.kind not in timeline.WRITTEN_KINDS or contact is None \
            or contact.deleted_at is not None:
        problems.abort_with(404, "Not found", f"There is no note {note_id}.")
    if changing and not timeline.may_edit(activity, current_user):
        problems.abort_with(403, "Not allowed", "Only its author, or someone who may delete contacts, "
                                                "changes an entry.")
    return activity


@blp.route("/contacts/<id:contact_id>/notes")
@permission_required("contacts.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.response(200, NotePage)
def index(paging, contact_id: int):
    """The entries people wrote on the contact's timeline, oldest first."""
    if shown.load(contact_id) is None:
        problems.abort_with(404, "Not found", f"There is no contact {contact_id}.")
    stmt = db.select(Activity).where(Activity.contact_id == contact_id, Activity.kind.in_(timeline.WRITTEN_KINDS))
    rows, cursor = lists.by_id(stmt, Activity.id, paging["after"], paging["limit"])
    return lists.envelope([show(a) for a in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/contacts/<id:contact_id>/notes", methods=["POST"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(Note, as_kwargs=False)
@blp.response(201, Note)
def create(body, contact_id: int):
    if shown.load(contact_id) is None:
        problems.abort_with(404, "Not found", f"There is no contact {contact_id}.")
    activity = timeline.log(contact_id, _checked(body), user=current_user)
    return show(activity), 201, {"Location": url_for("api_notes.read", note_id=activity.id),
                                 "ETag": writes.etag_of(show(activity))}


@blp.route("/notes/<id:note_id>")
@permission_required("contacts.view")
@blp.response(200, Note)
def read(note_id: int):
    data = show(_note(note_id))
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/notes/<id:note_id>", methods=["PATCH"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(Note(partial=True), as_kwargs=False)
@blp.response(200, Note)
def update(body, note_id: int):
    activity = _note(note_id, changing=True)
    writes.check_if_match(activity, show)
    timeline.edit(activity, _checked({**show(activity), **body}), user=current_user)
    data = show(activity)
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/notes/<id:note_id>", methods=["DELETE"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.response(204)
def delete(note_id: int):
    activity = _note(note_id, changing=True)
    writes.check_if_match(activity, show)
    timeline.delete(activity, user=current_user)
    return "", 204
