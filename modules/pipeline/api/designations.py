"""Funds and appeals: /funds, /appeals (read with giving.view; add and
change with pipeline.admin, as on Admin → Funds & appeals, checked by the
same forms and the same one-name-once rule)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline.api.common import check, posted
from modules.pipeline.models import Appeal, Fund


class _Named(ma.Schema):
    id = f.Integer(dump_only=True)
    name = f.String(required=True, validate=v.Length(max=120))
    code = f.String(validate=v.Length(max=40))
    active = f.Boolean(load_default=True)


class FundSchema(_Named):
    in_letters = f.String(validate=v.Length(max=200))


class AppealSchema(_Named):
    starts_on = f.Date(allow_none=True)
    ends_on = f.Date(allow_none=True)


def make(model, schema, noun: str, path: str) -> Blueprint:
    """The list/read/create/update resource of funds or appeals."""
    blp = Blueprint(f"api_{path}", __name__, description=f"{noun.title()}s gifts are given to" if model is Fund
                    else f"{noun.title()}s and campaigns that raise gifts")
    page = lists.page_schema(schema, f"{model.__name__}Page")
    names = [n for n in schema().fields if n != "id"]
    allowed = set(schema().fields)

    def show(item) -> dict:
        return {"id": item.id, **{n: getattr(item, n) for n in names}}

    def load(item_id: int):
        item = db.session.get(model, item_id)
        if item is None:
            problems.abort_with(404, "Not found", f"There is no {noun} {item_id}.")
        return item

    def save(data: dict, item):
        from modules.pipeline import designations
        from modules.pipeline.giving_forms import AppealForm, FundForm

        fields = {n: (data[n].isoformat() if hasattr(data.get(n), "isoformat") else data.get(n)) for n in names}
        form = (FundForm if model is Fund else AppealForm)(posted(fields), meta={"csrf": False})
        check(form)
        if designations.name_taken(model, form.name.data, item):
            problems.invalid({"name": [designations.taken_message(noun, form.name.data)]})
        return designations.save(model, form, item, noun)[0]

    @blp.route(f"/{path}", endpoint="index")
    @permission_required("giving.view")
    @blp.arguments(ListArgs, location="query", as_kwargs=False)
    @blp.response(200, page)
    def index(paging):
        rows, cursor = lists.by_id(db.select(model), model.id, paging["after"], paging["limit"])
        return lists.envelope([show(r) for r in rows], cursor, paging["fields"], allowed)

    @blp.route(f"/{path}", methods=["POST"], endpoint="create")
    @permission_required("pipeline.admin")
    @writes.write
    @blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
    @blp.arguments(schema, as_kwargs=False)
    @blp.response(201, schema)
    def create(body):
        item = save(body, None)
        data = show(item)
        return data, 201, {"Location": url_for(f"api_{path}.read", item_id=item.id), "ETag": writes.etag_of(data)}

    @blp.route(f"/{path}/<id:item_id>", endpoint="read")
    @permission_required("giving.view")
    @blp.response(200, schema)
    def read(item_id: int):
        data = show(load(item_id))
        return data, 200, {"ETag": writes.etag_of(data)}

    @blp.route(f"/{path}/<id:item_id>", methods=["PATCH"], endpoint="update")
    @permission_required("pipeline.admin")
    @writes.write
    @blp.doc(parameters=[writes.IF_MATCH])
    @blp.arguments(schema(partial=True), as_kwargs=False)
    @blp.response(200, schema)
    def update(body, item_id: int):
        item = load(item_id)
        writes.check_if_match(item, show)
        save({**show(item), **body}, item)
        data = show(item)
        return data, 200, {"ETag": writes.etag_of(data)}

    return blp


funds = make(Fund, FundSchema, "fund", "funds")
appeals = make(Appeal, AppealSchema, "appeal", "appeals")
