"""Funds and appeals: /funds, /appeals (read with giving.view; add and
change with pipeline.admin, as on Admin → Funds & appeals, checked by the
same forms and the same one-name-once rule)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v

from app import audit
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
        from modules.pipeline.giving_forms import AppealForm, FundForm
        from modules.pipeline.views.admin_funds import _name_taken

        fields = {n: (data[n].isoformat() if hasattr(data.get(n), "isoformat") else data.get(n)) for n in names}
        form = (FundForm if model is Fund else AppealForm)(posted(fields), meta={"csrf": False})
        check(form)
        if _name_taken(model, form.name.data, item):
            problems.invalid({"name": [f"There is already a {noun} named “{form.name.data}”."]})
        values = {"name": form.name.data, "code": form.code.data or "", "active": bool(form.active.data)}
        if model is Appeal:
            values.update(starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        else:
            values["in_letters"] = form.in_letters.data or ""
        if item is None:
            item = model(**values)
            db.session.add(item)
            db.session.flush()
            audit.record(audit.CREATE, item, summary=f"Added the {noun} “{item.name}”")
        else:
            changes = audit.diff(item, values)
            if changes:
                audit.record(audit.UPDATE, item, changes=changes, summary=f"Changed the {noun} “{item.name}”")
            db.session.flush()
        return item

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
