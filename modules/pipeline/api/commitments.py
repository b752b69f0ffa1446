"""Pledges (with their installments) and recurring gifts, read:
/pledges, /pledges/{id}, /recurring-gifts, /recurring-gifts/{id}."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields as f
from sqlalchemy.orm import selectinload

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline.api.common import cents, money, row_id
from modules.pipeline.models import Pledge, RecurringGift


class Installment(ma.Schema):
    due_on = f.Date()
    amount = money()


class PledgeSchema(ma.Schema):
    id = f.Integer()
    contact_id = f.Integer()
    amount = money()
    currency = f.String()
    pledged_on = f.Date()
    fund_id = f.Integer(allow_none=True)
    appeal_id = f.Integer(allow_none=True)
    opportunity_id = f.Integer(allow_none=True)
    status = f.String(metadata={"description": "open, fulfilled or cancelled"})
    notes = f.String()
    installments = f.List(f.Nested(Installment))
    created_at = f.AwareDateTime()


class RecurringSchema(ma.Schema):
    id = f.Integer()
    contact_id = f.Integer()
    amount = money()
    currency = f.String()
    frequency = f.String(metadata={"description": "monthly, quarterly or yearly"})
    starts_on = f.Date()
    ends_on = f.Date(allow_none=True)
    fund_id = f.Integer(allow_none=True)
    appeal_id = f.Integer(allow_none=True)
    payment_method = f.String()
    reference = f.String()
    status = f.String(metadata={"description": "active, paused or ended"})
    created_at = f.AwareDateTime()


class ByContact(ListArgs):
    contact_id = row_id(metadata={"description": "The donor's."})


def _show_pledge(p: Pledge) -> dict:
    return {"id": p.id, "contact_id": p.contact_id, "amount": cents(p.amount), "currency": p.currency,
            "pledged_on": p.pledged_on, "fund_id": p.fund_id, "appeal_id": p.appeal_id,
            "opportunity_id": p.opportunity_id, "status": p.status, "notes": p.notes or "",
            "installments": [{"due_on": i.due_on, "amount": cents(i.amount)} for i in p.installments],
            "created_at": p.created_at}


def _show_recurring(r: RecurringGift) -> dict:
    return {"id": r.id, "contact_id": r.contact_id, "amount": cents(r.amount), "currency": r.currency,
            "frequency": r.frequency, "starts_on": r.starts_on, "ends_on": r.ends_on, "fund_id": r.fund_id,
            "appeal_id": r.appeal_id, "payment_method": r.payment_method, "reference": r.reference or "",
            "status": r.status, "created_at": r.created_at}


def make(model, schema, show, noun: str, path: str, loads=()) -> Blueprint:
    blp = Blueprint(f"api_{path.replace('-', '_')}", __name__, description=f"{noun.capitalize()}s")
    allowed = set(schema().fields)

    @blp.route(f"/{path}", endpoint="index")
    @permission_required("giving.view")
    @blp.arguments(ByContact, location="query", as_kwargs=False)
    @blp.response(200, lists.page_schema(schema, f"{model.__name__}Page"))
    def index(query):
        stmt = db.select(model).options(*loads)
        if query.get("contact_id"):
            stmt = stmt.where(model.contact_id == query["contact_id"])
        rows, cursor = lists.by_id(stmt, model.id, query["after"], query["limit"])
        return lists.envelope([show(r) for r in rows], cursor, query["fields"], allowed)

    @blp.route(f"/{path}/<id:item_id>", endpoint="read")
    @permission_required("giving.view")
    @blp.response(200, schema)
    def read(item_id: int):
        item = db.session.get(model, item_id)
        if item is None:
            problems.abort_with(404, "Not found", f"There is no {noun} {item_id}.")
        data = show(item)
        return data, 200, {"ETag": writes.etag_of(data)}

    return blp


pledges = make(Pledge, PledgeSchema, _show_pledge, "pledge", "pledges", (selectinload(Pledge.installments),))
recurring = make(RecurringGift, RecurringSchema, _show_recurring, "recurring gift", "recurring-gifts")
