"""Receipt templates: the sandbox, the editor's checks on save, previews,
the default of each kind, and the receipt settings."""

from __future__ import annotations

from datetime import date

import pytest

from app import settings, templating
from app.extensions import db
from app.models import AuditEntry
from modules.pipeline.models import ReceiptTemplate
from modules.pipeline.receipts import checks, fields, options
from tests.conftest import csrf_from, login, make_user
from tests.modules.pipeline.test_receipts_letters import give, make_donor, pdf_text


@pytest.fixture
def sample(ctx):
    return fields.sample("thank_you", date(2026, 11, 22))


def test_a_template_longer_than_the_limit_is_refused_before_anything_else(sample):
    assert checks.problems("x" * 50_001, "thank_you", sample) == ["Templates are limited to 50,000 characters."]


def test_merge_fields_are_escaped_and_missing_ones_are_errors(sample):
    context = {**sample, "donor": {**sample["donor"], "first_name": "<script>alert(1)</script>"}}
    assert templating.render("<p>Dear {{ donor.first_name }}</p>", context) == \
        "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert checks.problems("{{ donor.frist_name }}", "thank_you", sample) == \
        ["Unknown merge field “frist_name”: check its spelling against the list of fields."]
    assert checks.problems("{{ statement.total }}", "thank_you", sample) == \
        ["Unknown merge field “statement”: a thank-you letter has donor, gift, org, today."]
    [syntax] = checks.problems("{% if gift.amount %}", "thank_you", sample)
    assert syntax.startswith("Unexpected end of template.") and syntax.endswith("needs to be closed is 'if' (line 1).")


@pytest.fixture
def manager(app, client):
    """Templates need giving.templates, which managers hold and staff do not."""
    make_user(app, "mo@example.org", "manager", "Mo Manager")
    login(client, "mo@example.org")
    return client


def _default(app, kind="thank_you") -> ReceiptTemplate:
    with app.app_context():
        template = db.session.scalars(db.select(ReceiptTemplate).where(
            ReceiptTemplate.kind == kind, ReceiptTemplate.is_default.is_(True))).one()
        db.session.expunge(template)
        return template


def test_a_bad_template_is_not_saved_and_the_errors_are_by_their_fields(app, manager):
    template = _default(app)
    url = f"/pipeline/receipts/templates/{template.id}"
    token = csrf_from(manager, url)
    response = manager.post(url, data={"csrf_token": token, "name": template.name, "kind": "thank_you",
                                     "subject": "Thanks {{ donor.nmae }}", "body": "<p>{% if gift.amount %}</p>"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="subject-error">Unknown merge field “nmae”' in html
    assert 'id="body-error">Unexpected end of template.' in html
    assert "Please correct the problems below." in html
    with app.app_context():
        assert db.session.get(ReceiptTemplate, template.id).body == template.body
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.object_type == "pipeline_receipt_template")) == 0


def test_saving_a_template_audits_it(app, manager):
    template = _default(app)
    url = f"/pipeline/receipts/templates/{template.id}"
    token = csrf_from(manager, url)
    body = "<p>Dear {{ donor.salutation }}, thank you for {{ gift.amount }}.</p>"
    response = manager.post(url, data={"csrf_token": token, "name": "Short thanks", "kind": "thank_you",
                                     "subject": template.subject, "body": body})
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(ReceiptTemplate, template.id)
        assert (saved.name, saved.body, saved.is_default) == ("Short thanks", body, True)
        entry = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.object_type == "pipeline_receipt_template")).one()
        assert entry.summary == f"Edited the receipt template Short thanks (was {template.name})"
        assert set(entry.changes) == {"name", "body"}


def test_a_new_template_can_become_the_default_and_the_default_cannot_be_deleted(app, manager):
    old = _default(app, "statement")
    token = csrf_from(manager, "/pipeline/receipts/templates/new?kind=statement")
    new_page = manager.get("/pipeline/receipts/templates/new?kind=statement").get_data(as_text=True)
    assert "statement.gifts" in new_page and "Your giving in" in new_page  # starts from the default
    response = manager.post("/pipeline/receipts/templates/new", data={
        "csrf_token": token, "name": "Short statement", "kind": "statement", "is_default": "y",
        "subject": "{{ statement.year }} statement", "body": "<p>You gave {{ statement.total }}.</p>"})
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalars(db.select(ReceiptTemplate).where(ReceiptTemplate.name == "Short statement")).one()
        assert new.is_default and not db.session.get(ReceiptTemplate, old.id).is_default
        new_id = new.id
    refused = manager.post(f"/pipeline/receipts/templates/{new_id}/delete", data={"csrf_token": token},
                         follow_redirects=True)
    assert "make another one the default first" in refused.get_data(as_text=True)
    question = manager.get(f"/pipeline/receipts/templates/{old.id}/delete").get_data(as_text=True)
    assert f"Delete the template {old.name}?" in question
    assert manager.post(f"/pipeline/receipts/templates/{old.id}/delete",
                      data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(ReceiptTemplate, old.id) is None
        assert db.session.get(ReceiptTemplate, new_id) is not None


def test_preview_renders_the_unsaved_template_with_a_sample_or_a_real_gift(app, manager):
    template = _default(app)
    with app.app_context():
        settings.put("core", {"org_name": "Riverside Food Bank"})
        gift = give(make_donor("Ada", "Lovelace", "ada@example.org"), "12.34", date(2026, 2, 2))
        db.session.commit()
        gift_id = gift.id
    token = csrf_from(manager, f"/pipeline/receipts/templates/{template.id}")
    data = {"csrf_token": token, "name": template.name, "kind": "thank_you", "subject": "Hi",
            "body": "<p>Draft for {{ donor.name }}: {{ gift.amount }}</p>"}
    sample = manager.post(f"/pipeline/receipts/templates/preview?template_id={template.id}", data=data)
    assert sample.mimetype == "application/pdf"
    assert "Draft for Dr Grace Hopper: $250.00" in pdf_text(sample.data)
    real = manager.post("/pipeline/receipts/templates/preview", data={**data, "preview_gift": str(gift_id)})
    assert "Draft for Ada Lovelace: $12.34" in pdf_text(real.data)
    missing = manager.post("/pipeline/receipts/templates/preview", data={**data, "preview_gift": "999999"})
    assert missing.status_code == 422 and "There is no gift number 999999." in missing.get_data(as_text=True)
    with app.app_context():  # a preview saves nothing
        assert db.session.get(ReceiptTemplate, template.id).body == template.body


def test_receipt_settings_are_saved_and_audited(app, manager):
    token = csrf_from(manager, "/pipeline/receipts/templates/")
    response = manager.post("/pipeline/receipts/templates/settings", data={
        "csrf_token": token, "postal_address": " 12 Mill Lane \n\n Riverside ",
        "receipts_registration": "EIN 12-3456789", "receipts_signature": "Jo Smith", "receipts_paper": "Letter"})
    assert response.status_code == 303
    with app.test_request_context():
        assert options.org_address_lines() == ["12 Mill Lane", "Riverside"]
        assert options.paper_size() == "Letter"
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "core_setting")).one()
        assert entry.summary == "Changed the receipt settings"
    page = manager.get("/pipeline/receipts/templates/").get_data(as_text=True)
    assert "Letters print on US Letter paper now." in page


@pytest.mark.parametrize("locale, currency, paper", [("en-GB", "GBP", "A4"), ("en-US", "USD", "Letter"),
                                                     ("fr-CA", "CAD", "Letter"), ("de", "EUR", "A4"),
                                                     ("en", "USD", "Letter"), ("en", "AUD", "A4")])
def test_paper_size_follows_the_locale(app, ctx, locale, currency, paper):
    settings.put("core", {"locale": locale, "currency": currency})
    assert options.paper_size() == paper
