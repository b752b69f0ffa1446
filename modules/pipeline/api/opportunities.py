"""Opportunities: /opportunities, /opportunities/{id}, a stage move
(/opportunities/{id}/move, kept in the stage history as the board's moves
are) and the history itself. Checked by the opportunity form and saved by
modules.pipeline.opportunities, as on the pages."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline import opportunities as service
from modules.pipeline.api.common import cents, check, live_contact, money, posted, row_id
from modules.pipeline.models import LOST, Opportunity, Stage, StageChange

blp = Blueprint("api_opportunities", __name__, description="Opportunities in pipelines, and their stage history")


class OpportunitySchema(ma.Schema):
    id = f.Integer(dump_only=True)
    pipeline_id = f.Integer(dump_only=True)
    stage_id = row_id(required=True, metadata={"description": "Where it starts (not a lost stage); "
                                                              "afterwards it moves with /move."})
    contact_id = row_id(required=True)
    name = f.String(required=True, validate=v.Length(max=200))
    amount = money(required=True)
    currency = f.String(required=True, validate=v.Length(max=3))
    expected_close = f.Date(allow_none=True)
    owner_id = row_id(allow_none=True)
    next_step = f.String(validate=v.Length(max=200))
    notes = f.String(validate=v.Length(max=20000))
    closed_on = f.Date(dump_only=True, allow_none=True)
    lost_reason_id = f.Integer(dump_only=True, allow_none=True)
    lost_note = f.String(dump_only=True)
    stage_entered_at = f.AwareDateTime(dump_only=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class OpportunityChange(OpportunitySchema):
    """What PATCH changes: the stage moves with /move; the contact stays."""

    class Meta:
        exclude = ("stage_id", "contact_id")


class Move(ma.Schema):
    stage_id = row_id(required=True)
    lost_reason_id = row_id(allow_none=True, metadata={"description": "Required for a lost stage."})
    lost_note = f.String(validate=v.Length(max=2000), load_default="")


class Stay(ma.Schema):
    from_stage_id = f.Integer(allow_none=True)
    to_stage_id = f.Integer(allow_none=True)
    at = f.AwareDateTime()
    user_id = f.Integer(allow_none=True)


class OpportunityArgs(ListArgs):
    pipeline_id = row_id()
    stage_id = row_id()
    contact_id = row_id()
    owner_id = row_id()


OpportunityPage = lists.page_schema(OpportunitySchema, "OpportunityPage")
StayPage = ma.Schema.from_dict({"data": f.List(f.Nested(Stay), required=True)}, name="StageHistory")
ALLOWED = set(OpportunitySchema().fields)
COLUMNS = ("pipeline_id", "stage_id", "contact_id", "name", "currency", "expected_close", "owner_id", "next_step",
           "notes", "closed_on", "lost_reason_id", "lost_note", "stage_entered_at", "created_at", "updated_at")


def show(opp: Opportunity) -> dict:
    return {"id": opp.id, **{name: getattr(opp, name) for name in COLUMNS}, "amount": cents(opp.amount)}


def _load(opportunity_id: int) -> Opportunity:
    opp = db.session.get(Opportunity, opportunity_id)
    if opp is None:
        problems.abort_with(404, "Not found", f"There is no opportunity {opportunity_id}.")
    return opp


def _form(data: dict, *, new: bool):
    """The opportunity form, checked, from the API's values."""
    from modules.pipeline.pipeline_forms import OpportunityForm
    from modules.pipeline.views.opportunities import owner_choices, stage_choices

    fields = {"name": data.get("name"), "amount": data.get("amount"), "currency": data.get("currency"),
              "expected_close": data["expected_close"].isoformat() if data.get("expected_close") else "",
              "owner": data.get("owner_id") or 0, "next_step": data.get("next_step") or "",
              "notes": data.get("notes") or ""}
    if new:
        fields["stage"] = data["stage_id"]
    form = OpportunityForm(posted(fields), meta={"csrf": False})
    if new:
        form.stage.choices = stage_choices()
    else:
        del form.stage
    del form.contact
    form.owner.choices = owner_choices()
    check(form)
    return form


@blp.route("/opportunities")
@permission_required("pipeline.view")
@blp.arguments(OpportunityArgs, location="query", as_kwargs=False)
@blp.response(200, OpportunityPage)
def index(query):
    """Opportunities in id order; filter by pipeline, stage, contact, owner."""
    stmt = db.select(Opportunity)
    for name in ("pipeline_id", "stage_id", "contact_id", "owner_id"):
        if query.get(name):
            stmt = stmt.where(getattr(Opportunity, name) == query[name])
    rows, cursor = lists.by_id(stmt, Opportunity.id, query["after"], query["limit"])
    return lists.envelope([show(o) for o in rows], cursor, query["fields"], ALLOWED)


@blp.route("/opportunities", methods=["POST"])
@permission_required("pipeline.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(OpportunitySchema, as_kwargs=False)
@blp.response(201, OpportunitySchema)
def create(body):
    contact = live_contact(body["contact_id"])
    form = _form(body, new=True)
    stage = db.session.get(Stage, form.stage.data)
    if stage.outcome == LOST:
        problems.invalid({"stage_id": ["Start it in an open or won stage; move it to a lost stage afterwards "
                                       "to record why."]})
    opp = service.create(stage=stage, contact_id=contact.id, name=form.name.data, amount=form.amount.amount,
                         currency=form.currency.data, expected_close=form.expected_close.data,
                         owner_id=form.owner.data or None, next_step=(form.next_step.data or "").strip(),
                         notes=(form.notes.data or "").strip(), user=current_user._get_current_object())
    data = show(opp)
    return data, 201, {"Location": url_for("api_opportunities.read", opportunity_id=opp.id),
                       "ETag": writes.etag_of(data)}


@blp.route("/opportunities/<id:opportunity_id>")
@permission_required("pipeline.view")
@blp.response(200, OpportunitySchema)
def read(opportunity_id: int):
    data = show(_load(opportunity_id))
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/opportunities/<id:opportunity_id>", methods=["PATCH"])
@permission_required("pipeline.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(OpportunityChange(partial=True), as_kwargs=False)
@blp.response(200, OpportunitySchema)
def update(body, opportunity_id: int):
    opp = _load(opportunity_id)
    writes.check_if_match(opp, show)
    form = _form({**show(opp), "amount": opp.amount, **body}, new=False)
    service.update(opp, {"name": form.name.data.strip(), "amount": form.amount.amount,
                         "currency": form.currency.data, "expected_close": form.expected_close.data,
                         "owner_id": form.owner.data or None, "next_step": (form.next_step.data or "").strip(),
                         "notes": (form.notes.data or "").strip()}, user=current_user._get_current_object())
    data = show(opp)
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/opportunities/<id:opportunity_id>/move", methods=["POST"])
@permission_required("pipeline.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY, writes.IF_MATCH])
@blp.arguments(Move, as_kwargs=False)
@blp.response(200, OpportunitySchema)
def move(body, opportunity_id: int):
    """Move it to another stage of its pipeline (a lost stage needs `lost_reason_id`); the move is kept
    in its stage history."""
    opp = _load(opportunity_id)
    writes.check_if_match(opp, show)
    stage = db.session.get(Stage, body["stage_id"])
    if stage is None:
        problems.invalid({"stage_id": [f"There is no stage {body['stage_id']}."]})
    try:
        service.move(opp, stage, user=current_user._get_current_object(),
                     lost_reason_id=body.get("lost_reason_id"), lost_note=body.get("lost_note") or "")
    except service.OpportunityError as error:
        field = {"stage": "stage_id", "lost_reason": "lost_reason_id"}.get(error.field, error.field)
        problems.invalid({field or "stage_id": [str(error)]})
    data = show(opp)
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/opportunities/<id:opportunity_id>/history")
@permission_required("pipeline.view")
@blp.response(200, StayPage)
def history(opportunity_id: int):
    """Each stage it entered, oldest first (the first has no `from_stage_id`)."""
    opp = _load(opportunity_id)
    rows = db.session.scalars(db.select(StageChange).where(StageChange.opportunity_id == opp.id)
                              .order_by(StageChange.at, StageChange.id).limit(1000))
    return {"data": [{"from_stage_id": c.from_stage_id, "to_stage_id": c.to_stage_id, "at": c.at,
                      "user_id": c.user_id} for c in rows]}


@blp.route("/opportunities/<id:opportunity_id>", methods=["DELETE"])
@permission_required("pipeline.delete")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.response(204)
def delete(opportunity_id: int):
    opp = _load(opportunity_id)
    writes.check_if_match(opp, show)
    service.delete(opp, user=current_user._get_current_object())
    return "", 204
