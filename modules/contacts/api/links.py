"""A contact's relationships and its email consent: /contacts/{id}/relationships
and /contacts/{id}/consent, for any kind of contact (person, household,
organisation). The same services as the contact page's small forms."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from werkzeug.datastructures import MultiDict

from app.api import problems, writes
from app.extensions import db
from app.models import User
from app.permissions import permission_required
from modules.contacts.api import shown
from modules.contacts.api.schemas import ID, RelationshipShown
from modules.contacts.models import OPT_IN, OPT_OUT, ConsentEntry, Contact, Relationship
from modules.contacts.people import forms, records, relations

blp = Blueprint("api_contact_links", __name__, description="A contact's relationships and email consent "
                                                         "(any kind of contact)")


class NewRelationship(ma.Schema):
    type_id = f.Integer(required=True, strict=True, validate=ID)
    direction = f.String(load_default="a_to_b", validate=v.OneOf(("a_to_b", "b_to_a")),
                         metadata={"description": "a_to_b: this contact is the type's A side "
                                                  "(“parent of” the other)."})
    other_id = f.Integer(required=True, strict=True, validate=ID)
    note = f.String(load_default="", validate=v.Length(max=200))


class Consent(ma.Schema):
    status = f.String(required=True, validate=v.OneOf((OPT_IN, OPT_OUT)))
    source = f.String(required=True, validate=v.Length(max=100),
                      metadata={"description": "How they told us: web form, phone call…"})
    wording = f.String(load_default="", validate=v.Length(max=5000),
                       metadata={"description": "What they agreed to; needed for opting in."})


class ConsentShown(ma.Schema):
    status = f.String(required=True)
    source = f.String(required=True)
    wording = f.String(required=True)
    topic = f.String(allow_none=True, required=True)
    at = f.AwareDateTime(required=True)
    recorded_by = f.String(allow_none=True, required=True)


class ConsentList(ma.Schema):
    email_opt_in = f.String(required=True)
    data = f.List(f.Nested(ConsentShown), required=True)


def _contact(contact_id: int) -> Contact:
    contact = shown.load(contact_id)
    if contact is None:
        problems.abort_with(404, "Not found", f"There is no contact {contact_id}.")
    return contact


@blp.route("/contacts/<id:contact_id>/relationships")
@permission_required("contacts.view")
@blp.response(200, RelationshipShown(many=True))
def relationships(contact_id: int):
    """The contact's relationships, each seen from this contact."""
    return shown.show_one(_contact(contact_id))["relationships"]


@blp.route("/contacts/<id:contact_id>/relationships", methods=["POST"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(NewRelationship, as_kwargs=False)
@blp.response(201, RelationshipShown)
def add_relationship(body, contact_id: int):
    """Link the contact to another (both timelines say so, as on the page)."""
    contact = _contact(contact_id)
    other = shown.load(body["other_id"])
    if other is None:
        problems.invalid({"other_id": [f"There is no contact {body['other_id']}."]})
    side = "a" if body["direction"] == "a_to_b" else "b"
    try:
        rel = relations.add_relationship(contact, f"{body['type_id']}:{side}", other, body["note"])
    except ValueError as error:
        problems.invalid({"type_id" if "kind" in str(error) else "other_id": [str(error)]})
    db.session.flush()
    return next(link for link in shown.show_one(contact)["relationships"] if link["id"] == rel.id), 201


@blp.route("/contacts/<id:contact_id>/relationships/<id:relationship_id>", methods=["DELETE"])
@permission_required("contacts.edit")
@writes.write
@blp.response(204)
def remove_relationship(contact_id: int, relationship_id: int):
    contact = _contact(contact_id)
    rel = db.session.get(Relationship, relationship_id)
    if rel is None or contact.id not in (rel.contact_a_id, rel.contact_b_id):
        problems.abort_with(404, "Not found", f"Contact {contact_id} has no relationship {relationship_id}.")
    relations.remove_relationship(rel)
    return "", 204


@blp.route("/contacts/<id:contact_id>/consent")
@permission_required("contacts.view")
@blp.response(200, ConsentList)
def consent(contact_id: int):
    """The email opt-in and its history, newest first (the last 200)."""
    return _consent(_contact(contact_id))


def _consent(contact: Contact) -> dict:
    rows = db.session.execute(db.select(ConsentEntry, User.name).outerjoin(User, User.id == ConsentEntry.user_id)
                              .where(ConsentEntry.contact_id == contact.id)
                              .order_by(ConsentEntry.at.desc(), ConsentEntry.id.desc()).limit(200))
    return {"email_opt_in": contact.email_opt_in,
            "data": [{"status": e.status, "source": e.source, "wording": e.wording or "", "topic": e.topic,
                      "at": e.at, "recorded_by": name} for e, name in rows]}


@blp.route("/contacts/<id:contact_id>/consent", methods=["POST"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(Consent, as_kwargs=False)
@blp.response(200, ConsentList)
def record_consent(body, contact_id: int):
    """Record an email opt-in or opt-out, with how they told us and, for an
    opt-in, the wording they agreed to (the page's rules)."""
    contact = _contact(contact_id)
    form = forms.OptInForm(formdata=MultiDict(body), meta={"csrf": False})
    if not form.validate():
        problems.invalid({name: list(errors) for name, errors in form.errors.items()})
    records.set_opt_in(contact, form.status.data, form.source.data, form.wording.data or "")
    db.session.flush()
    return _consent(contact)
