"""Gifts: /gifts and /gifts/{id}, with their soft credits and external ids.
A body is checked by the gift form (GiftForm, with the same fund, appeal,
pledge and recurring-gift choices the page offers) and saved by
gifts.record_gift / update_gift / delete_gift, as the page saves it."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy.orm import selectinload

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline import gift_external_ids, gifts
from modules.pipeline.api.common import cents, check, live_contact, money, posted, row_id, service_error
from modules.pipeline.models import PAYMENT_METHODS, TRIBUTE_KINDS, Gift, GiftExternalId, SoftCredit

blp = Blueprint("api_gifts", __name__, description="Gifts, their soft credits and their ids in other systems")


class Credit(ma.Schema):
    contact_id = row_id(required=True)
    amount = money(metadata={"description": "Blank: the whole gift."}, allow_none=True)
    role = f.String(validate=v.OneOf(list(SoftCredit.ROLES)), load_default="other")


class GiftSchema(ma.Schema):
    id = f.Integer(dump_only=True)
    contact_id = row_id(required=True)
    amount = money(required=True)
    currency = f.String(validate=v.Length(max=3), allow_none=True,
                        metadata={"description": "ISO code; blank: the organisation's currency."})
    received_on = f.Date(required=True)
    fund_id = row_id(allow_none=True)
    appeal_id = row_id(allow_none=True)
    payment_method = f.String(validate=v.OneOf(["", *PAYMENT_METHODS]))
    reference = f.String(validate=v.Length(max=100))
    anonymous = f.Boolean()
    in_kind = f.Boolean()
    in_kind_description = f.String(validate=v.Length(max=2000))
    tribute_kind = f.String(validate=v.OneOf(["", *TRIBUTE_KINDS]))
    tribute_name = f.String(validate=v.Length(max=200))
    tribute_notify_id = row_id(allow_none=True)
    pledge_id = row_id(allow_none=True)
    recurring_id = row_id(allow_none=True)
    opportunity_id = f.Integer(dump_only=True, allow_none=True)
    notes = f.String(validate=v.Length(max=5000))
    soft_credits = f.List(f.Nested(Credit), validate=v.Length(max=10))
    external_ids = f.Dict(keys=f.String(validate=v.Length(max=40)),
                          values=f.String(allow_none=True, validate=v.Length(max=200)),
                          validate=v.Length(max=20),
                          metadata={"description": "Ids in other systems, `{\"stripe\": \"pi_...\"}`; null "
                                                   "removes one. An id names one gift per system."})
    acknowledged_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class GiftArgs(ListArgs):
    contact_id = row_id(metadata={"description": "The donor's gifts."})
    fund_id = row_id()
    appeal_id = row_id()
    currency = f.String(validate=v.Length(min=3, max=3))
    received_from = f.Date(metadata={"description": "Received on or after this day."})
    received_to = f.Date(metadata={"description": "Received on or before this day."})
    external_id = f.String(validate=v.Length(max=250),
                           metadata={"description": "SYSTEM:ID, like stripe:pi_123: the gift with that id."})


GiftPage = lists.page_schema(GiftSchema, "GiftPage")
ALLOWED = set(GiftSchema().fields)
COLUMNS = ("received_on", "fund_id", "appeal_id", "payment_method", "reference", "anonymous", "in_kind",
           "in_kind_description", "tribute_kind", "tribute_name", "tribute_notify_id", "pledge_id",
           "recurring_id", "opportunity_id", "notes", "acknowledged_at", "created_at", "updated_at")


def show_many(rows: list[Gift]) -> list[dict]:
    outside = gift_external_ids.of([g.id for g in rows])
    return [{"id": g.id, "contact_id": g.contact_id, "amount": cents(g.amount), "currency": g.currency,
             **{name: getattr(g, name) for name in COLUMNS},
             "soft_credits": [{"contact_id": c.contact_id, "amount": cents(c.amount), "role": c.role}
                              for c in sorted(g.soft_credits, key=lambda c: c.contact_id)],
             "external_ids": outside[g.id]} for g in rows]


def show(gift: Gift) -> dict:
    return show_many([gift])[0]


def _load(gift_id: int) -> Gift:
    gift = db.session.scalar(db.select(Gift).where(Gift.id == gift_id).options(selectinload(Gift.soft_credits)))
    if gift is None:
        problems.abort_with(404, "Not found", f"There is no gift {gift_id}.")
    return gift


def _checked(data: dict, gift: Gift | None) -> tuple[dict, list]:
    """The gift's columns and soft credits, checked by the gift form."""
    from modules.pipeline.giving_forms import GiftForm, set_link_choices

    live_contact(data["contact_id"])
    if data.get("tribute_kind") and data.get("tribute_notify_id"):
        live_contact(data["tribute_notify_id"], "tribute_notify_id")
    fields = {name: data.get(name) for name in ("amount", "currency", "received_on", "fund_id", "appeal_id",
                                                 "payment_method", "reference", "anonymous", "in_kind",
                                                 "in_kind_description", "tribute_kind", "tribute_name",
                                                 "pledge_id", "recurring_id", "notes")}
    fields["received_on"] = data["received_on"].isoformat()
    form = GiftForm(posted(fields), meta={"csrf": False})
    form.set_choices(getattr(gift, "fund_id", None), getattr(gift, "appeal_id", None))
    set_link_choices(form, data["contact_id"], data.get("pledge_id"), data.get("recurring_id"))
    check(form)
    extra = []
    if form.tribute_kind.data and not form.tribute_name.data:
        extra.append(("tribute_name", "Name the person the tribute is for."))
    if form.in_kind.data and not form.in_kind_description.data:
        extra.append(("in_kind_description", "Describe what was given in kind."))
    if extra:
        problems.invalid({name: [message] for name, message in extra})
    values = form.values()
    values["contact_id"] = data["contact_id"]
    values["tribute_notify_id"] = data.get("tribute_notify_id") if values["tribute_kind"] else None
    credits = []
    for i, credit in enumerate(data.get("soft_credits") or ()):
        live_contact(credit["contact_id"], f"soft_credits[{i}].contact_id")
        credits.append((credit["contact_id"], credit.get("amount") or values["amount"], credit.get("role") or "other"))
    return values, credits


def _external_ids(body: dict, gift_id: int | None) -> dict:
    wanted = body.get("external_ids") or {}
    found = gift_external_ids.problems(wanted, gift_id)
    if found:
        problems.invalid({f"external_ids.{system}": messages for system, messages in found.items()})
    return wanted


@blp.route("/gifts")
@permission_required("giving.view")
@blp.arguments(GiftArgs, location="query", as_kwargs=False)
@blp.response(200, GiftPage)
def index(query):
    """Gifts in id order; filter by donor, fund, appeal, currency, the day received, an external id."""
    stmt = db.select(Gift).options(selectinload(Gift.soft_credits))
    for name in ("contact_id", "fund_id", "appeal_id"):
        if query.get(name):
            stmt = stmt.where(getattr(Gift, name) == query[name])
    if query.get("currency"):
        stmt = stmt.where(Gift.currency == query["currency"].upper())
    if query.get("received_from"):
        stmt = stmt.where(Gift.received_on >= query["received_from"])
    if query.get("received_to"):
        stmt = stmt.where(Gift.received_on <= query["received_to"])
    if query.get("external_id"):
        system, sep, value = query["external_id"].partition(":")
        if not sep or not value.strip():
            problems.invalid_query({"external_id": ["Write it as SYSTEM:ID, like stripe:pi_123."]})
        stmt = stmt.where(Gift.id.in_(db.select(GiftExternalId.gift_id).where(
            GiftExternalId.system == system.strip(), GiftExternalId.value == value.strip())))
    rows, cursor = lists.by_id(stmt, Gift.id, query["after"], query["limit"])
    return lists.envelope(show_many(rows), cursor, query["fields"], ALLOWED)


@blp.route("/gifts", methods=["POST"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(GiftSchema, as_kwargs=False)
@blp.response(201, GiftSchema)
def create(body):
    user = current_user._get_current_object()
    values, credits = _checked(body, None)
    wanted = _external_ids(body, None)
    try:
        gift = gifts.record_gift(soft_credits=credits, user=user, **values)
    except gifts.GiftError as error:
        service_error(error)
    if wanted:
        gift_external_ids.update(gift, wanted, user=user)
    data = show(gift)
    return data, 201, {"Location": url_for("api_gifts.read", gift_id=gift.id), "ETag": writes.etag_of(data)}


@blp.route("/gifts/<id:gift_id>")
@permission_required("giving.view")
@blp.response(200, GiftSchema)
def read(gift_id: int):
    data = show(_load(gift_id))
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/gifts/<id:gift_id>", methods=["PATCH"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(GiftSchema(partial=True), as_kwargs=False)
@blp.response(200, GiftSchema)
def update(body, gift_id: int):
    """Change the fields sent; `soft_credits` sent replace the gift's."""
    gift = _load(gift_id)
    writes.check_if_match(gift, show)
    now = show(gift)
    merged = {**now, **{k: v for k, v in body.items() if k != "external_ids"}}
    if "amount" not in body:
        merged["amount"] = gift.amount
    if "soft_credits" not in body:  # kept as they are (update_gift still checks them against the gift)
        merged["soft_credits"] = []
    values, credits = _checked(merged, gift)
    values["currency"] = values["currency"] or gift.currency
    wanted = _external_ids(body, gift.id)
    user = current_user._get_current_object()
    try:
        gifts.update_gift(gift, values, credits if "soft_credits" in body else None, user=user)
    except gifts.GiftError as error:
        service_error(error)
    if wanted:
        gift_external_ids.update(gift, wanted, user=user)
    data = show(gift)
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/gifts/<id:gift_id>", methods=["DELETE"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.response(204)
def delete(gift_id: int):
    gift = _load(gift_id)
    writes.check_if_match(gift, show)
    gifts.delete_gift(gift, user=current_user._get_current_object())
    return "", 204
