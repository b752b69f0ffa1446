"""Stripe's webhook endpoint (public, signed) and Admin → Online
donations: the signing secret, the default fund, and the latest events
with what Steward did about each."""

from __future__ import annotations

import json

from flask import flash, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit, edits
from app import settings as store
from app.extensions import csrf, db
from app.htmx import redirect_after_post
from app.limiter import limiter
from app.links import external_url
from app.paging import keyset
from app.permissions import permission_required, public
from modules.pipeline.models import Fund
from modules.pipeline.stripe import events, signature
from modules.pipeline.stripe.forms import StripeSettingsForm
from modules.pipeline.stripe.models import StripeEvent
from modules.pipeline.views import bp

ADMIN = "pipeline.admin"
MAX_BODY = 512 * 1024


def _answer(text: str, status: int = 200):
    return text + "\n", status, {"Content-Type": "text/plain; charset=utf-8"}


def secrets() -> list[str]:
    return [store.get("pipeline", "stripe_signing_secret") or "", store.get("pipeline", "stripe_previous_secret") or ""]


@bp.post("/stripe/webhook")
@csrf.exempt
@public
@limiter.limit("600 per minute", scope="pipeline-stripe")
def stripe_webhook():
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _answer("too large", 413)
    try:
        signature.verify(body, request.headers.get("Stripe-Signature"), secrets())
    except signature.Refused as refused:
        return _answer(f"refused: {refused}", 400)
    try:
        event = json.loads(body)
        event_id, kind = str(event["id"]), str(event.get("type", ""))
    except (ValueError, KeyError, TypeError):
        return _answer("refused: not a Stripe event", 400)
    row = StripeEvent(event_id=event_id[:255], type=kind[:100])
    db.session.add(row)
    try:
        db.session.flush()  # the event id is the idempotency key: a second delivery stops here
    except IntegrityError:
        db.session.rollback()
        return _answer("already processed")
    try:
        row.outcome, row.gift_id = events.apply(event)
    except ValueError as bad:  # the event cannot ever be applied (an unknown currency): say so, do not retry
        row.outcome = f"not recorded: {bad}"
    db.session.commit()  # anything else raises: rolled back, 500, and Stripe sends it again
    return _answer(row.outcome)


def _fund_choices() -> list[tuple[str, str]]:
    funds = db.session.scalars(select(Fund).where(Fund.active.is_(True)).order_by(Fund.position, Fund.name))
    return [("", "No fund"), *((f.name, f.name) for f in funds)]


def _stored_form(formdata=None):
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = StripeSettingsForm(**kwargs, default_fund=store.get("pipeline", "stripe_default_fund") or "")
    form.default_fund.choices = _fund_choices()
    return form


def _masked(secret: str) -> str:
    return f"whsec_…{secret[-4:]}" if secret else ""


def _page(form, status=200):
    page = keyset(select(StripeEvent), StripeEvent.id, newest_first=True, per_page=50)
    current, previous = secrets()
    return render_template("pipeline/stripe_settings.html", form=form, page=page,
                           endpoint=external_url("pipeline.stripe_webhook"),
                           current=_masked(current), previous=_masked(previous)), status


@bp.route("/admin/online-donations", methods=["GET", "POST"])
@permission_required(ADMIN)
def stripe_settings():
    form = _stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    if not edits.settle(form, store.Edited("pipeline"), _stored_form):
        return _page(form, 409)
    current, previous = secrets()
    values = {"stripe_default_fund": form.default_fund.data or ""}
    said = []
    if form.signing_secret.data and form.signing_secret.data != current:
        keep = current if not form.forget_previous.data else ""
        values.update(stripe_signing_secret=form.signing_secret.data, stripe_previous_secret=keep)
        said.append("a new signing secret" + (" (the previous one is still accepted)" if keep else ""))
    elif form.forget_previous.data and previous:
        values["stripe_previous_secret"] = ""
        said.append("the previous secret is no longer accepted")
    changes = store.put("pipeline", values)
    if changes:
        shown = {k: (("(hidden)", "(hidden)") if "secret" in k else v) for k, v in changes.items()}
        audit.record(audit.UPDATE, object_type="core_setting", object_id="pipeline",
                     summary="Changed the online donation settings", changes=shown)
    db.session.commit()
    text = "Saved: " + "; ".join(said) + "." if said else ("Saved." if changes else "Nothing changed.")
    flash(edits.saved_message(text, form), "success")
    return redirect_after_post(url_for("pipeline.stripe_settings"))
