"""Admin → Webhooks: endpoints and the events each receives, its secret
(shown once) and its rotation, every delivery with its attempts, replay,
and the hosts on the organisation's own network webhooks may reach."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, make_response, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import audit, edits
from app import settings as store
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow
from app.paging import keyset
from app.permissions import permission_required
from app.webhooks import delivery as sending
from app.webhooks import guard, signing
from app.webhooks.events import forget_wanted
from app.webhooks.forms import AllowedHostsForm, EndpointForm

bp = Blueprint("webhooks", __name__)
PERMISSION = "admin.webhooks"
FIELDS = ("url", "description", "events", "notify_email", "active")


def event_types() -> dict[str, str]:
    declared = current_app.extensions["steward"].webhook_events
    return {key: f"{event.title} ({key})" for key, event in sorted(declared.items())}


def _shown(endpoint: WebhookEndpoint) -> SimpleNamespace:
    return SimpleNamespace(url=endpoint.url, description=endpoint.description, active=endpoint.active,
                           events=json.loads(endpoint.events or "[]"), notify_email=endpoint.notify_email)


def _form(endpoint: WebhookEndpoint | None, formdata=...):
    kwargs = {} if formdata is ... else {"formdata": formdata}
    types = event_types()
    obj = None
    if endpoint is not None:
        obj = _shown(endpoint)
        for key in obj.events:  # its module is disabled: keep the choice visible
            types.setdefault(key, f"{key} (module disabled)")
    elif formdata is None or formdata is ...:
        obj = SimpleNamespace(notify_email=getattr(current_user, "email", ""), active=True, events=[])
    return EndpointForm(obj=obj, event_types=types, **kwargs)


def _values(form: EndpointForm) -> dict:
    return {"url": form.url.data, "description": form.description.data or "",
            "events": sorted(form.events.data), "notify_email": form.notify_email.data, "active": form.active.data}


@bp.route("/")
@permission_required(PERMISSION)
def endpoints():
    rows = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    waiting = dict(db.session.execute(
        select(WebhookDelivery.endpoint_id, db.func.count(WebhookDelivery.id))
        .where(WebhookDelivery.status == WebhookDelivery.PENDING).group_by(WebhookDelivery.endpoint_id)).all())
    titles = event_types()
    return render_template("webhooks/endpoints.html", endpoints=rows, waiting=waiting, titles=titles,
                           events_of=lambda e: json.loads(e.events or "[]"), allowed=sorted(guard.allowed_hosts()))


@bp.route("/new", methods=["GET", "POST"])
@permission_required(PERMISSION)
def new_endpoint():
    form = _form(None, None if request.method == "GET" else ...)
    if request.method == "POST" and form.validate():
        values = _values(form)
        endpoint = WebhookEndpoint(secret=signing.new_secret(), secret_shown=False, created_by_id=current_user.id,
                                   given_up_in_a_row=0, disabled_reason="", **{**values,
                                                                              "events": json.dumps(values["events"])})
        db.session.add(endpoint)
        db.session.flush()
        audit.record(audit.CREATE, endpoint, summary=f"Added the webhook endpoint {endpoint.url}",
                     changes={name: (None, values[name]) for name in FIELDS})
        forget_wanted()
        db.session.commit()
        return redirect_after_post(url_for("webhooks.secret", endpoint_id=endpoint.id))
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=None), (
        422 if request.method == "POST" else 200)


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@permission_required(PERMISSION)
def endpoint(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = _form(endpoint, None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form, endpoint)
    if not form.validate():
        return _page(form, endpoint, 422)
    if not edits.settle(form, endpoint, lambda formdata=None: _form(endpoint, formdata)):
        return _page(form, endpoint, 409)
    before, after = vars(_shown(endpoint)), _values(form)
    before["events"] = sorted(before["events"])
    changes = {name: (before[name], after[name]) for name in FIELDS if before[name] != after[name]}
    endpoint.url, endpoint.description = after["url"], after["description"]
    endpoint.events, endpoint.notify_email = json.dumps(after["events"]), after["notify_email"]
    note = ""
    if after["active"] and not endpoint.active:
        waiting = sending.enable(endpoint)
        note = f" It is enabled again; {waiting} waiting event(s) are being sent." if waiting else ""
    elif not after["active"] and endpoint.active:
        endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = False, "Paused by an administrator.", utcnow()
    if changes:
        audit.record(audit.UPDATE, endpoint, summary=f"Changed the webhook endpoint {endpoint.url}", changes=changes)
    forget_wanted()
    db.session.commit()
    flash(edits.saved_message(("The endpoint is saved." if changes else "Nothing changed.") + note, form), "success")
    return redirect_after_post(url_for("webhooks.endpoint", endpoint_id=endpoint.id))


def _page(form, endpoint, status=200):
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id).options(
        db.joinedload(WebhookDelivery.message).load_only(WebhookMessage.uid, WebhookMessage.type))
    wanted = request.args.get("status", "")
    if wanted in WebhookDelivery.STATUSES:
        stmt = stmt.where(WebhookDelivery.status == wanted)
    listing = keyset(stmt, WebhookDelivery.id, newest_first=True)
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=endpoint, listing=listing,
                           status=wanted, statuses=WebhookDelivery.STATUSES,
                           rotating=bool(endpoint.previous_secret and endpoint.previous_expires_at
                                         and endpoint.previous_expires_at > utcnow())), status


@bp.route("/<int:endpoint_id>/secret")
@permission_required(PERMISSION)
def secret(endpoint_id: int):
    """The signing secret, once: the first look marks it shown."""
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    shown = None
    if not endpoint.secret_shown:
        shown = endpoint.secret
        endpoint.secret_shown = True
        audit.record(audit.UPDATE, endpoint, summary=f"Showed the signing secret of {endpoint.url}")
        db.session.commit()
    response = make_response(render_template("webhooks/secret.html", endpoint=endpoint, shown=shown))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:endpoint_id>/rotate", methods=["GET", "POST"])
@permission_required(PERMISSION)
def rotate(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    if request.method == "GET":
        return confirm_page("Rotate the signing secret?",
                            f"Make a new signing secret for {endpoint.url}? The current one keeps signing "
                            "alongside it for 24 hours, so you have a day to put the new one in the receiver.",
                            "Rotate the secret", url_for("webhooks.endpoint", endpoint_id=endpoint.id))
    signing.rotate(endpoint, utcnow())
    audit.record(audit.UPDATE, endpoint, summary=f"Rotated the signing secret of {endpoint.url}",
                 changes={"secret": ("(hidden)", "(hidden)")})
    db.session.commit()
    return redirect_after_post(url_for("webhooks.secret", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/test")
@permission_required(PERMISSION)
def send_test(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    delivery = sending.send_test(endpoint, store.get("core", "org_name") or "Steward")
    db.session.flush()
    audit.record(audit.UPDATE, endpoint, summary=f"Sent a test event to {endpoint.url}")
    db.session.commit()
    flash("A test event is on its way" + ("." if endpoint.active else
                                          ": it waits until the endpoint is enabled."), "success")
    return redirect_after_post(url_for("webhooks.delivery", delivery_id=delivery.id))


@bp.route("/<int:endpoint_id>/delete", methods=["GET", "POST"])
@permission_required(PERMISSION)
def delete(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    if request.method == "GET":
        return confirm_page(f"Delete the endpoint {endpoint.url}?",
                            f"Delete the endpoint {endpoint.url}? Steward stops sending to it and forgets its "
                            "deliveries and their log; events still waiting for it are dropped. To stop for a "
                            "while, untick “Send events to it” instead.",
                            "Delete the endpoint", url_for("webhooks.endpoint", endpoint_id=endpoint.id))
    audit.record(audit.DELETE, endpoint, summary=f"Deleted the webhook endpoint {endpoint.url}",
                 changes={"url": (endpoint.url, None)})
    db.session.delete(endpoint)
    forget_wanted()
    db.session.commit()
    flash(f"The endpoint {endpoint.url} is deleted.", "success")
    return redirect_after_post(url_for("webhooks.endpoints"))


@bp.route("/deliveries/<int:delivery_id>")
@permission_required(PERMISSION)
def delivery(delivery_id: int):
    found = db.get_or_404(WebhookDelivery, delivery_id)
    attempts = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == found.id)
                                  .order_by(WebhookAttempt.id.desc()).limit(50)).all()
    body = json.dumps(json.loads(found.message.payload), indent=2, ensure_ascii=False)
    return render_template("webhooks/delivery.html", delivery=found, endpoint=found.endpoint,
                           message=found.message, attempts=attempts, body=body, statuses=WebhookDelivery.STATUSES)


@bp.post("/deliveries/<int:delivery_id>/replay")
@permission_required(PERMISSION)
def replay(delivery_id: int):
    found = db.get_or_404(WebhookDelivery, delivery_id)
    if found.status == WebhookDelivery.PENDING:
        abort(409)
    again = sending.replay(found)
    db.session.flush()
    audit.record(audit.UPDATE, found.endpoint,
                 summary=f"Replayed the event {found.message.uid} ({found.message.type}) to {found.endpoint.url}")
    db.session.commit()
    flash("The event is sent again as a new delivery." + (
        "" if found.endpoint.active else " The endpoint is disabled: it waits until you enable it."), "success")
    return redirect_after_post(url_for("webhooks.delivery", delivery_id=again.id))


@bp.route("/settings", methods=["GET", "POST"])
@permission_required(PERMISSION)
def settings():
    def stored_form(formdata=None):
        return AllowedHostsForm(formdata=formdata,
                                data={"webhooks_allowed_hosts": store.get("core", guard.SETTING) or ""})

    form = stored_form(None if request.method == "GET" else request.form)
    if request.method == "GET":
        edits.stamp(form)
        return render_template("webhooks/settings.html", form=form)
    if not form.validate():
        return render_template("webhooks/settings.html", form=form), 422
    if not edits.settle(form, store.Edited("core"), stored_form):
        return render_template("webhooks/settings.html", form=form), 409
    hosts = "\n".join(dict.fromkeys(guard.normal_host(h) for h in
                                    (form.webhooks_allowed_hosts.data or "").replace(",", "\n").split() if h.strip()))
    changes = store.put("core", {guard.SETTING: hosts})
    if changes:
        audit.record(audit.UPDATE, object_type="core_setting", object_id="core",
                     summary="Changed the hosts webhooks may reach on the own network", changes=changes)
    db.session.commit()
    flash(edits.saved_message("The webhook settings are saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("webhooks.settings"))
