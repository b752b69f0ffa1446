"""Admin: the organisation's name, country and regional settings."""

from __future__ import annotations

from flask import abort, flash, render_template, request, send_file, url_for

from app import audit, countries, edits, organisation, regional
from app import settings as store
from app.admin import bp
from app.admin.forms import SettingsForm
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
        return SettingsForm(**kwargs, org_name=store.get("core", "org_name"),
                            postal_address=store.get("core", "postal_address"), **shown(regional.stored()))

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
        return _page(form, 200)
    elif form.validate():
        form.settle_blanks()
        logo = _read_logo(form)
        if not form.errors and not edits.settle(form, store.Edited("core"), stored_form):
            status = 409
    if request.method == "POST" and status == 200 and not form.errors:
        changes = store.put("core", {"org_name": form.org_name.data,
                                     "postal_address": organisation.clean_address(form.postal_address.data)})
        if logo:
            changes.update(organisation.save_logo(logo))
        elif form.remove_logo.data:
            changes.update(organisation.remove_logo())
        changes.update(regional.store(form.values()))
        if changes:
            audit.record(audit.UPDATE, object_type="core_setting", object_id="core",
                         summary="Changed the organisation settings", changes=changes)
        db.session.commit()
        if "logo" in changes:
            organisation.prune_logos()
        flash(edits.saved_message("The organisation settings are saved." if changes else "Nothing changed.", form),
              "success")
        return redirect_after_post(url_for("admin.settings"))
    return _page(form, 422 if form.errors else status)


def _page(form, status):
    return render_template("admin/settings.html", form=form,
                           logo=store.get("core", "logo") if organisation.logo_path() else ""), status


def _read_logo(form) -> bytes | None:
    """The uploaded logo re-encoded (app/organisation.py), or None; a refused
    file puts its reason next to the field."""
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return organisation.read_logo(upload.stream)
    except organisation.LogoRefused as refused:
        form.logo.errors = [str(refused)]
        return None


@bp.get("/settings/logo/<name>")
@permission_required("admin.settings")
def organisation_logo(name):
    """The stored logo, for the Organisation page (letters embed it)."""
    path = organisation.logo_path()
    if path is None or path.name != name:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=86400)
