"""The suppression list: /suppressions, for marketing.admin as on the admin
page, through suppressions.py (addresses lower-cased, audited; one already
on the list keeps its first reason)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.marketing import suppressions as service
from modules.marketing.models import MANUAL, SUPPRESSION_REASONS, Suppression

ADMIN = "marketing.admin"
blp = Blueprint("api_marketing_suppressions", __name__, description="Addresses never to be mailed")


class SuppressionSchema(ma.Schema):
    class Meta:
        name = "Suppression"

    id = f.Integer(dump_only=True)
    email = f.String(validate=v.Length(max=254), metadata={"description": "The address (required)."})
    reason = f.String(validate=v.OneOf(list(SUPPRESSION_REASONS)), metadata={"description": "Default manual."})
    note = f.String(validate=v.Length(max=300))
    created_at = f.AwareDateTime(dump_only=True)


class SuppressionQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    email = f.String(load_default=None, validate=v.Length(max=254),
                     metadata={"description": "This address only (any case)."})


SuppressionPage = lists.page_schema(SuppressionSchema, "SuppressionPage")
ALLOWED = set(SuppressionSchema().fields)


def show(row: Suppression) -> dict:
    return {"id": row.id, "email": row.email, "reason": row.reason, "note": row.note or "",
            "created_at": row.created_at}


@blp.route("/suppressions")
@permission_required(ADMIN)
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(SuppressionQuery, location="query", as_kwargs=False)
@blp.response(200, SuppressionPage)
def index(paging, query):
    stmt = select(Suppression)
    if query["email"]:
        stmt = stmt.where(Suppression.email == service.normal(query["email"]))
    rows, cursor = lists.by_id(stmt, Suppression.id, paging["after"], paging["limit"])
    return lists.envelope([show(r) for r in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/suppressions", methods=["POST"])
@permission_required(ADMIN)
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(SuppressionSchema, as_kwargs=False)
@blp.response(201, SuppressionSchema)
def create(body):
    """Suppress an address; one on the list already is a 422 naming its reason, as on the page."""
    from modules.marketing.forms import SuppressionForm

    form = SuppressionForm(formdata=MultiDict({"email": body.get("email") or "", "reason": body.get("reason") or MANUAL,
                                               "note": body.get("note") or ""}), meta={"csrf": False})
    if not form.validate():
        problems.invalid({name: list(messages) for name, messages in form.errors.items()})
    row, added = service.suppress(form.email.data, form.reason.data, note=form.note.data or "",
                                  user=current_user._get_current_object())
    if not added:
        problems.invalid({"email": [f"{row.email} is on the list already "
                                    f"({SUPPRESSION_REASONS.get(row.reason, row.reason).lower()})."]})
    data = show(row)
    return data, 201, {"Location": url_for("api_marketing_suppressions.read", suppression_id=row.id)}


@blp.route("/suppressions/<id:suppression_id>")
@permission_required(ADMIN)
@blp.response(200, SuppressionSchema)
def read(suppression_id: int):
    return show(_row(suppression_id))


@blp.route("/suppressions/<id:suppression_id>", methods=["DELETE"])
@permission_required(ADMIN)
@writes.write
@blp.response(204)
def delete(suppression_id: int):
    """Take the address off the list: campaigns may mail it again."""
    service.remove(_row(suppression_id), user=current_user._get_current_object())
    return "", 204


def _row(suppression_id: int) -> Suppression:
    row = db.session.get(Suppression, suppression_id)
    if row is None:
        problems.abort_with(404, "Not found", f"There is no suppressed address {suppression_id}.")
    return row
