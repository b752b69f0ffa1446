"""Adding and changing recurring gifts over the API (POST /recurring-gifts,
PATCH /recurring-gifts/{id}): checked by the recurring-gift form and saved
by modules.pipeline.recurring, as on the pages."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from marshmallow import fields as f
from marshmallow import validate as v

from app.api import problems, writes
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline import recurring as service
from modules.pipeline.api.commitments import RecurringSchema, _show_recurring
from modules.pipeline.api.commitments import recurring as blp
from modules.pipeline.api.common import check, live_contact, money, posted, row_id
from modules.pipeline.models import FREQUENCIES, PAYMENT_METHODS, RecurringGift


class RecurringIn(ma.Schema):
    contact_id = row_id(required=True)
    amount = money(required=True)
    currency = f.String(validate=v.Length(max=3), allow_none=True)
    frequency = f.String(load_default="monthly", validate=v.OneOf(list(FREQUENCIES)))
    starts_on = f.Date(required=True)
    ends_on = f.Date(allow_none=True)
    fund_id = row_id(allow_none=True)
    appeal_id = row_id(allow_none=True)
    payment_method = f.String(load_default="direct_debit", validate=v.OneOf(list(PAYMENT_METHODS)))
    reference = f.String(validate=v.Length(max=100))


def _checked(data: dict, rg: RecurringGift | None) -> dict:
    from modules.pipeline.giving_forms import RecurringForm

    live_contact(data["contact_id"])
    fields = {name: data.get(name) for name in ("amount", "currency", "frequency", "fund_id", "appeal_id",
                                                 "payment_method", "reference")}
    fields["starts_on"] = data["starts_on"].isoformat()
    fields["ends_on"] = data["ends_on"].isoformat() if data.get("ends_on") else ""
    form = RecurringForm(posted(fields), meta={"csrf": False})
    form.set_choices(getattr(rg, "fund_id", None), getattr(rg, "appeal_id", None))
    check(form)
    return form.values()


@blp.route("/recurring-gifts", methods=["POST"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(RecurringIn, as_kwargs=False)
@blp.response(201, RecurringSchema)
def create(body):
    rg = service.create(contact_id=body["contact_id"], user=current_user._get_current_object(),
                        **_checked(body, None))
    data = _show_recurring(rg)
    return data, 201, {"Location": url_for("api_recurring_gifts.read", item_id=rg.id), "ETag": writes.etag_of(data)}


@blp.route("/recurring-gifts/<id:item_id>", methods=["PATCH"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(RecurringIn(partial=True), as_kwargs=False)
@blp.response(200, RecurringSchema)
def update(body, item_id: int):
    rg = db.session.get(RecurringGift, item_id)
    if rg is None:
        problems.abort_with(404, "Not found", f"There is no recurring gift {item_id}.")
    writes.check_if_match(rg, _show_recurring)
    merged = {**_show_recurring(rg), "amount": rg.amount, **body}
    values = _checked(merged, rg)
    values["contact_id"] = merged["contact_id"]
    service.update(rg, values, user=current_user._get_current_object())
    db.session.flush()
    data = _show_recurring(rg)
    return data, 200, {"ETag": writes.etag_of(data)}
