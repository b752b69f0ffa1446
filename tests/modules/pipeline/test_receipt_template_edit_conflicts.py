"""Two people editing the same receipt template or the receipt settings
(issue 15): a field only one changed merges, a field both changed comes back
as a conflict with their value, name and time and what was typed, and a form
without an edit token still saves (last save wins)."""

from __future__ import annotations

import pytest

from app import settings
from app.extensions import db
from modules.contacts import models as _contacts  # noqa: F401  (pipeline models name Contact)
from modules.pipeline.models import ReceiptTemplate
from tests.forms import changed, form_data
from tests.two_editors import both_open, page, two_editors

SETTINGS = "/pipeline/receipts/templates/settings"
LIST = "/pipeline/receipts/templates/"


def _template(app) -> tuple[int, str]:
    with app.app_context():
        template = db.session.scalars(db.select(ReceiptTemplate).where(
            ReceiptTemplate.kind == "thank_you", ReceiptTemplate.is_default.is_(True))).one()
        return template.id, template.body


def _stored(app, template_id) -> tuple[str, str, str]:
    with app.app_context():
        template = db.session.get(ReceiptTemplate, template_id)
        return template.name, template.subject, template.body


def test_subject_and_body_changed_by_different_people_both_stay(app):
    template_id, body = _template(app)
    first, second = two_editors(app)
    url = f"/pipeline/receipts/templates/{template_id}"
    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, subject="Thank you, {{ donor.first_name }}")).status_code == 303

    saved = second.post(url, data=changed(form_b, body=body + "\n<p>With warm wishes</p>"), follow_redirects=True)

    assert saved.status_code == 200
    assert "changes to Email subject were kept" in saved.get_data(as_text=True)
    _, subject, stored_body = _stored(app, template_id)
    assert subject == "Thank you, {{ donor.first_name }}"
    assert stored_body.endswith("<p>With warm wishes</p>") and stored_body.count("With warm wishes") == 1


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_the_body_changed_by_both_is_a_conflict_then_a_choice(app, choice):
    template_id, body = _template(app)
    first, second = two_editors(app)
    url = f"/pipeline/receipts/templates/{template_id}"
    form_a, form_b = both_open(first, second, url)
    theirs, mine = body + "\n<p>Ada's closing</p>", body + "\n<p>Sam's closing</p>"
    assert first.post(url, data=changed(form_a, body=theirs)).status_code == 303

    clash = second.post(url, data=changed(form_b, body=mine, name="Thank-you letter 2026"))

    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this at" in html and "&lt;p&gt;Ada&#39;s closing&lt;/p&gt;" in html
    assert 'aria-label="What Ada Admin saved in Letter"' in html  # the long body scrolls: a labelled tab stop
    again = form_data(html, url)
    assert again["body"].replace("\r\n", "\n") == mine and again["name"] == "Thank-you letter 2026"
    assert _stored(app, template_id)[2] == theirs  # nothing saved from the clash

    assert second.post(url, data=changed(again, **{"edit_keep-body": choice})).status_code == 303
    name, _, stored_body = _stored(app, template_id)
    assert name == "Thank-you letter 2026"
    assert stored_body == (mine if choice == "mine" else theirs)


def test_a_template_form_without_its_token_saves_as_before(app):
    template_id, body = _template(app)
    first, second = two_editors(app)
    url = f"/pipeline/receipts/templates/{template_id}"
    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, body=body + "<p>A</p>")).status_code == 303
    form_b.pop("edit_token")
    assert second.post(url, data=changed(form_b, body=body + "<p>B</p>")).status_code == 303
    assert _stored(app, template_id)[2] == body + "<p>B</p>"


def _settings(app) -> dict:
    with app.test_request_context():
        stored = {k: v for k, v in settings.get_all("pipeline").items() if k.startswith("receipts_")}
        return {**stored, "postal_address": settings.get("core", "postal_address")}


def test_receipt_settings_merge_clash_and_choose(app):
    first, second = two_editors(app)
    form_a, form_b = both_open(first, second, LIST, SETTINGS)
    assert first.post(SETTINGS, data=changed(form_a, receipts_registration="EIN 12-3456789")).status_code == 303
    merged = second.post(SETTINGS, data=changed(form_b, receipts_signature="Jo Smith, Director"),
                         follow_redirects=True)
    assert "changes to Registration number were kept" in merged.get_data(as_text=True)
    stored = _settings(app)
    assert (stored["receipts_registration"], stored["receipts_signature"]) == ("EIN 12-3456789", "Jo Smith, Director")

    form_a, form_b = both_open(first, second, LIST, SETTINGS)
    assert first.post(SETTINGS, data=changed(form_a, postal_address="1 High St\nLeeds")).status_code == 303
    # Sam saves another setting from a second tab: the newest change is his own,
    # so only the field names in the audit entry can say that Ada changed the address.
    fresh = form_data(page(second, LIST), SETTINGS)
    assert second.post(SETTINGS, data=changed(fresh, receipts_signature="Sam Lee")).status_code == 303
    clash = second.post(SETTINGS, data=changed(form_b, postal_address="9 Low Rd\nYork", receipts_paper="A4"))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    # The audit entry names the setting as the field does: the right person is named.
    assert "Ada Admin changed this at" in html and "Sam Lee changed" not in html and "1 High St\nLeeds" in html
    again = form_data(html, SETTINGS)
    assert again["postal_address"].replace("\r\n", "\n") == "9 Low Rd\nYork"
    assert _settings(app)["receipts_paper"] == "auto"
    assert second.post(SETTINGS, data=changed(again, **{"edit_keep-postal_address": "mine"})).status_code == 303
    stored = _settings(app)
    assert (stored["postal_address"], stored["receipts_paper"]) == ("9 Low Rd\nYork", "A4")

    form_a, form_b = both_open(first, second, LIST, SETTINGS)
    assert first.post(SETTINGS, data=changed(form_a, receipts_signature="Ada")).status_code == 303
    form_b.pop("edit_token")
    assert second.post(SETTINGS, data=changed(form_b, receipts_signature="Sam")).status_code == 303
    assert _settings(app)["receipts_signature"] == "Sam"
