"""Admin: the organisation's name, timezone, currency and locale."""

from __future__ import annotations

from flask import flash, render_template, request, url_for

from app import audit, edits
from app import settings as store
from app.admin import bp
from app.admin.forms import COMMON_CURRENCIES, SettingsForm
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required

FIELDS = ("org_name", "timezone", "currency", "locale")


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("admin.settings")
def settings():
    def stored_form(formdata=None):
        """The form as the stored settings fill it; `formdata=...`: as posted."""
        current = store.get_all("core")
        kwargs = {} if formdata is ... else {"formdata": formdata}
        return SettingsForm(**kwargs, **{name: current.get(name) for name in FIELDS})

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, store.Edited("core"), stored_form):
        status = 409
    elif not form.errors:
        changes = store.put("core", {name: getattr(form, name).data for name in FIELDS})
        if changes:
            audit.record(audit.UPDATE, object_type="core_setting", object_id="core",
                         summary="Changed the organisation settings", changes=changes)
        db.session.commit()
        flash(edits.saved_message("The organisation settings are saved." if changes else "Nothing changed.", form),
              "success")
        return redirect_after_post(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form, currencies=COMMON_CURRENCIES), \
        422 if form.errors else status
