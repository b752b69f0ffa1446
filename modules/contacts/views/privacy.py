"""Privacy requests for one contact: download everything held about them
(contacts.export), and erase them (contacts.admin, after typing their name).
The logic is in modules/contacts/people/privacy.py."""

from __future__ import annotations

import json

from flask import Response, abort, flash, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.contacts.models import Contact
from modules.contacts.people import privacy, records
from modules.contacts.views import bp


class EraseForm(FlaskForm):
    confirm_name = StringField("Type the contact's name to confirm",
                               validators=[DataRequired("Type the name to confirm.")],
                               render_kw={"autocomplete": "off", "spellcheck": "false"})


def _contact_or_404(contact_id: int) -> Contact:
    """Live or in the trash (a trashed contact's data is still held), but
    not a tombstone: there is nothing left to export or erase."""
    contact = records.load(contact_id, deleted=True)
    if contact is None or privacy.is_erased(contact):
        abort(404)
    return contact


def _back(contact: Contact) -> str:
    if contact.deleted_at is None:
        return url_for("contacts.show", contact_id=contact.id)
    return url_for("contacts.trash_list")


@bp.get("/<int:contact_id>/privacy")
@permission_required("contacts.view")
def privacy_page(contact_id: int):
    contact = _contact_or_404(contact_id)
    return render_template("contacts/privacy.html", contact=contact, back=_back(contact))


@bp.post("/<int:contact_id>/privacy/export")
@permission_required("contacts.export")
def privacy_export(contact_id: int):
    contact = _contact_or_404(contact_id)
    data = privacy.export_data(contact)
    privacy.record_export(contact, current_user._get_current_object())
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="contact-{contact.id}-personal-data.json"',
        "Cache-Control": "no-store"})


@bp.route("/<int:contact_id>/privacy/erase", methods=["GET", "POST"])
@permission_required("contacts.admin")
def privacy_erase(contact_id: int):
    contact = _contact_or_404(contact_id)
    form = EraseForm()
    if form.validate_on_submit():
        if privacy.confirmation_matches(contact, form.confirm_name.data):
            privacy.erase(contact, user=current_user._get_current_object())
            db.session.commit()
            flash(f"Erased the personal data of contact #{contact.id}.", "success")
            return redirect_after_post(url_for("contacts.index"), trigger="contacts-changed")
        form.confirm_name.errors.append("That is not the contact's name; type it exactly as shown.")
    status = 422 if form.is_submitted() else 200
    return render_template("contacts/privacy_erase.html", contact=contact, form=form, back=_back(contact)), status
