"""Admin → Bounces and complaints: what bounced or complained lately
(newest first, keyset pages), and the settings: the soft-bounce rule and
the providers' webhook secrets (saved through app/edits)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from sqlalchemy import select

from app import audit, edits
from app import settings as store
from app.extensions import db
from app.htmx import redirect_after_post
from app.links import external_url
from app.paging import keyset
from app.permissions import permission_required
from modules.marketing.bounce_forms import BounceSettingsForm
from modules.marketing.bounce_models import BOUNCE_KINDS, SOURCES, Bounce
from modules.marketing.campaign_models import Campaign
from modules.marketing.views import bp
from modules.marketing.views.suppressions import contacts_for

ADMIN = "marketing.admin"
FIELDS = ("soft_bounce_limit", "soft_bounce_days", "ses_topic_arns", "postmark_username", "postmark_password",
          "postmark_token")
SECRET = {"postmark_password", "postmark_token"}


@bp.get("/bounces")
@permission_required(ADMIN)
def bounces():
    listing = keyset(select(Bounce), Bounce.id, newest_first=True)
    ids = {row.campaign_id for row in listing.items if row.campaign_id}
    campaigns = dict(db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids))).all()) \
        if ids else {}
    return render_template("marketing/bounces.html", listing=listing, kinds=BOUNCE_KINDS, sources=SOURCES,
                           campaigns=campaigns, contacts=contacts_for({row.email for row in listing.items}))


def _stored_form(formdata=None):
    """The form as stored, without the secrets: the page never shows them back."""
    kwargs = {} if formdata is ... else {"formdata": formdata}
    stored = store.get_all("marketing")
    form = BounceSettingsForm(**kwargs, **{name: stored.get(name) for name in FIELDS if name not in SECRET})
    form.password_stored = bool(stored.get("postmark_password"))
    return form


def _page(form, status=200):
    stored = store.get_all("marketing")
    return render_template("marketing/bounce_settings.html", form=form,
                           stored_secrets={name: bool(stored.get(name)) for name in SECRET},
                           ses_url=external_url("marketing.webhook_ses"),
                           postmark_url=external_url("marketing.webhook_postmark")), status


@bp.route("/bounces/settings", methods=["GET", "POST"])
@permission_required(ADMIN)
def bounce_settings():
    form = _stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    if not edits.settle(form, store.Edited("marketing"), _stored_form):
        return _page(form, 409)
    values = {name: form[name].data if form[name].data is not None else "" for name in FIELDS if name not in SECRET}
    values.update({name: form[name].data for name in SECRET if form[name].data})  # empty: keep the stored one
    if form.forget_postmark.data:
        values.update({name: "" for name in SECRET})
    changes = store.put("marketing", values)
    if changes:
        shown = {k: (("(hidden)", "(hidden)") if k in SECRET else v) for k, v in changes.items()}
        audit.record(audit.UPDATE, object_type="core_setting", object_id="marketing",
                     summary="Changed the bounce and complaint settings", changes=shown)
    db.session.commit()
    flash(edits.saved_message("The bounce settings are saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("marketing.bounce_settings"))
