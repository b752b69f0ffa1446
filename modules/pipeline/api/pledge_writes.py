"""Recording and correcting pledges over the API (POST /pledges, PATCH
/pledges/{id}): checked by the pledge forms, saved by gifts.record_pledge
and pledges.update, as on the pages (a cancelled pledge is not edited; the
amount never drops below what is paid)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from marshmallow import fields as f
from marshmallow import validate as v

from app.api import problems, writes
from app.extensions import db
from app.permissions import permission_required
from modules.pipeline import gifts
from modules.pipeline import pledges as service
from modules.pipeline.api.commitments import PledgeSchema, _show_pledge
from modules.pipeline.api.commitments import pledges as blp
from modules.pipeline.api.common import check, live_contact, money, posted, row_id, service_error
from modules.pipeline.models import FREQUENCIES, Pledge


class PledgeIn(ma.Schema):
    contact_id = row_id(required=True)
    amount = money(required=True)
    currency = f.String(validate=v.Length(max=3), allow_none=True)
    pledged_on = f.Date(required=True)
    installment_count = f.Integer(load_default=1, validate=v.Range(1, 120),
                                  metadata={"description": "How many installments (1: a single payment)."})
    frequency = f.String(load_default="monthly", validate=v.OneOf(list(FREQUENCIES)))
    first_due = f.Date(metadata={"description": "When the first installment is due (default: pledged_on)."})
    fund_id = row_id(allow_none=True)
    appeal_id = row_id(allow_none=True)
    notes = f.String(validate=v.Length(max=5000))


class PledgeChange(PledgeIn):
    class Meta:
        exclude = ("contact_id", "currency")  # its payments are the donor's, in its currency


def _fields(data: dict) -> dict:
    first_due = data.get("first_due") or data["pledged_on"]
    return {"amount": data["amount"], "currency": data.get("currency"), "pledged_on": data["pledged_on"].isoformat(),
            "installments": data.get("installment_count") or 1, "frequency": data.get("frequency") or "monthly",
            "first_due": first_due.isoformat(), "fund_id": data.get("fund_id"), "appeal_id": data.get("appeal_id"),
            "notes": data.get("notes") or ""}


@blp.route("/pledges", methods=["POST"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(PledgeIn, as_kwargs=False)
@blp.response(201, PledgeSchema)
def create(body):
    from modules.pipeline.giving_forms import PledgeForm

    live_contact(body["contact_id"])
    form = PledgeForm(posted(_fields(body)), meta={"csrf": False})
    form.set_choices()
    check(form)
    try:
        schedule = gifts.installment_schedule(form.amount.amount, form.installments.data, form.first_due.data,
                                              form.frequency.data)
        pledge = gifts.record_pledge(contact_id=body["contact_id"], amount=form.amount.amount,
                                     pledged_on=form.pledged_on.data, schedule=schedule,
                                     currency=form.currency.data or None, fund_id=form.fund_id.data,
                                     appeal_id=form.appeal_id.data, notes=form.notes.data or "",
                                     user=current_user._get_current_object())
    except gifts.GiftError as error:
        service_error(error)
    data = _show_pledge(pledge)
    return data, 201, {"Location": url_for("api_pledges.read", item_id=pledge.id), "ETag": writes.etag_of(data)}


@blp.route("/pledges/<id:item_id>", methods=["PATCH"])
@permission_required("giving.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(PledgeChange(partial=True), as_kwargs=False)
@blp.response(200, PledgeSchema)
def update(body, item_id: int):
    from modules.pipeline.giving_forms import PledgeEditForm

    pledge = db.session.get(Pledge, item_id)
    if pledge is None:
        problems.abort_with(404, "Not found", f"There is no pledge {item_id}.")
    writes.check_if_match(pledge, _show_pledge)
    if pledge.status == "cancelled":
        problems.abort_with(409, "Cancelled", "This pledge is cancelled; a cancelled pledge is not edited.")
    now = service.schedule_values(pledge)
    merged = {"amount": pledge.amount, "pledged_on": pledge.pledged_on, "installment_count": now["installments"],
              "frequency": now["frequency"], "first_due": now["first_due"], "fund_id": pledge.fund_id,
              "appeal_id": pledge.appeal_id, "notes": pledge.notes, **body}
    fields = _fields(merged)
    fields.pop("currency")
    form = PledgeEditForm(posted(fields), meta={"csrf": False})
    form.set_choices(pledge.fund_id, pledge.appeal_id)
    check(form)
    values = {"amount": form.amount.data, "pledged_on": form.pledged_on.data, "fund_id": form.fund_id.data,
              "appeal_id": form.appeal_id.data, "notes": form.notes.data or ""}
    try:
        service.update(pledge, values, {key: form[key].data for key in service.SCHEDULE},
                       user=current_user._get_current_object())
    except gifts.GiftError as error:
        service_error(error)
    data = _show_pledge(pledge)
    return data, 200, {"ETag": writes.etag_of(data)}
