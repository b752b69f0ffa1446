"""Sending a campaign: pause, resume and cancel (POST, Post/Redirect/Get),
the live progress (sent, failed, remaining, rate, time left) as a page and
as a fragment the campaign page includes and polls, and the sending
settings (Admin → Campaign sending)."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from app import audit, edits, settings
from app.extensions import db
from app.htmx import confirm_page, is_htmx, redirect_after_post
from app.permissions import permission_required
from modules.marketing.campaign_models import CAMPAIGN_STATES, Campaign
from modules.marketing.sending import control, options
from modules.marketing.sending.forms import SendingSettingsForm
from modules.marketing.views import bp

SEND, VIEW, ADMIN = "marketing.send", "marketing.view", "marketing.admin"


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def _back(campaign_id: int) -> str:
    """The campaign page when it exists (built beside this), else the progress page."""
    if "marketing.campaign" in current_app.view_functions:
        return url_for("marketing.campaign", campaign_id=campaign_id)
    return url_for("marketing.send_progress", campaign_id=campaign_id)


@bp.get("/campaigns/<int:campaign_id>/progress")
@permission_required(VIEW)
def send_progress(campaign_id: int):
    campaign = _campaign(campaign_id)
    template = "marketing/_send_progress.html" if is_htmx() else "marketing/send_progress.html"
    response = current_app.make_response(render_template(
        template, campaign=campaign, progress=control.progress(campaign), states=CAMPAIGN_STATES))
    response.headers["Vary"] = "HX-Request"
    return response


def _act(campaign_id: int, action, done: str):
    _campaign(campaign_id)
    try:
        campaign = action(campaign_id)
    except control.NotNow as why:
        db.session.rollback()
        flash(str(why), "error")
        return redirect_after_post(_back(campaign_id))
    audit.record(audit.UPDATE, object_type="marketing_campaign", object_id=campaign.id,
                 summary=f"{done} sending “{campaign.name}”")
    db.session.commit()
    flash(f"{done} sending “{campaign.name}”.", "success")
    return redirect_after_post(_back(campaign_id), trigger="campaign-changed")


@bp.post("/campaigns/<int:campaign_id>/pause")
@permission_required(SEND)
def send_pause(campaign_id: int):
    return _act(campaign_id, control.pause, "Paused")


@bp.post("/campaigns/<int:campaign_id>/resume")
@permission_required(SEND)
def send_resume(campaign_id: int):
    return _act(campaign_id, lambda cid: control.resume(cid, user=current_user), "Resumed")


@bp.route("/campaigns/<int:campaign_id>/cancel", methods=["GET", "POST"])
@permission_required(SEND)
def send_cancel(campaign_id: int):
    campaign = _campaign(campaign_id)
    if request.method == "GET":
        return confirm_page(f"Cancel “{campaign.name}”?",
                            "Messages already sent stay sent; no one else will get this campaign. "
                            "This cannot be undone.", "Cancel the campaign", _back(campaign_id))
    return _act(campaign_id, control.cancel, "Cancelled")


# Settings -------------------------------------------------------------------------------

FIELDS = tuple(k for k in options.DEFAULTS if k != "dkim_private_key")


def _settings_form(formdata=None) -> SendingSettingsForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    stored = settings.get_all(options.MODULE)
    return SendingSettingsForm(**kwargs, **{name: stored.get(name) for name in FIELDS})


def _settings_page(form, status: int = 200):
    has_key = bool(settings.get(options.MODULE, "dkim_private_key"))
    return render_template("marketing/sending_settings.html", form=form, has_key=has_key), status


@bp.route("/settings/sending", methods=["GET", "POST"])
@permission_required(ADMIN)
def sending_settings():
    if request.method == "GET":
        form = _settings_form()
        edits.stamp(form)
        return _settings_page(form)
    form = _settings_form(...)
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    if not edits.settle(form, settings.Edited(options.MODULE), _settings_form):
        return _settings_page(form, 409)
    values = {name: getattr(form, name).data if getattr(form, name).data is not None else "" for name in FIELDS}
    if form.dkim_remove_key.data:
        values["dkim_private_key"] = ""
    elif form.dkim_private_key.data and form.dkim_private_key.data.strip():
        values["dkim_private_key"] = form.dkim_private_key.data.strip()
    changed = settings.put(options.MODULE, values)
    if changed:
        shown = {k: (("(a key)" if o else "", "(a key)" if n else "") if k == "dkim_private_key" else (o, n))
                 for k, (o, n) in changed.items()}
        audit.record(audit.UPDATE, object_type="core_setting", object_id=options.MODULE,
                     summary="Changed the campaign sending settings", changes=shown)
    db.session.commit()
    flash(edits.saved_message("The sending settings are saved." if changed else "Nothing changed.", form),
          "success")
    return redirect_after_post(url_for("marketing.sending_settings"))
