"""Admin: the organisation's name, country and regional settings."""

from __future__ import annotations

from flask import flash, render_template, request, url_for

from app import audit, countries, edits, regional
from app import settings as store
from app.admin import bp
from app.admin.forms import COMMON_CURRENCIES, SettingsForm
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from app.regional_form import proposing


def shown(values: dict) -> dict:
    """Stored facts as the form shows them ("auto" paper: from the country)."""
    return {fact: ("" if value == "auto" else value) for fact, value in values.items()}


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("admin.settings")
def settings():
    def stored_form(formdata=None):
        """The form as the stored settings fill it; `formdata=...`: as posted."""
        kwargs = {} if formdata is ... else {"formdata": formdata}
        return SettingsForm(**kwargs, org_name=store.get("core", "org_name"), **shown(regional.stored()))

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif proposing():
        # Fill the form (nothing saved): the edit token it carries still
        # guards the save that follows.
        if form.propose():
            flash(f"These are the usual settings for {countries.name(form.country.data)}. "
                  "Change any of them, then save.", "info")
        return render_template("admin/settings.html", form=form, currencies=COMMON_CURRENCIES), 200
    elif form.validate():
        form.settle_blanks()
        if not edits.settle(form, store.Edited("core"), stored_form):
            status = 409
    if request.method == "POST" and status == 200 and not form.errors:
        changes = store.put("core", {"org_name": form.org_name.data})
        changes.update(regional.store(form.values()))
        if changes:
            audit.record(audit.UPDATE, object_type="core_setting", object_id="core",
                         summary="Changed the organisation settings", changes=changes)
        db.session.commit()
        flash(edits.saved_message("The organisation settings are saved." if changes else "Nothing changed.", form),
              "success")
        return redirect_after_post(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form, currencies=COMMON_CURRENCIES), \
        422 if form.errors else status
