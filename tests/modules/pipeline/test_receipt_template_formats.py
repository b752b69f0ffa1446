"""Receipt templates in Markdown or HTML through the core template editor
(issue 16, part 4): saving a Markdown letter, a bad one kept with its error
and its line, the editor's preview (HTMX fragment and the page without
JavaScript) being the same HTML as the letter, and pipeline_0011 turning
the shipped letters, where nobody changed them, into Markdown."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from app import create_app, settings
from app.extensions import db
from modules.pipeline.models import ReceiptTemplate
from modules.pipeline.receipts import fields, letters, pdf
from tests.conftest import app_config, csrf_from, login, make_user
from tests.modules.pipeline.test_receipts_letters import give, make_donor, pdf_text

NEW = "/pipeline/receipts/templates/new"
PREVIEW = "/pipeline/receipts/templates/preview/page"
MARKDOWN_LETTER = ("Dear {{ donor.salutation }},\n\n"
                   "Thank you for **{{ gift.amount }}**{% if gift.fund %} to {{ gift.fund }}{% endif %}.\n\n"
                   "{% if gift.tribute %}\nGiven {{ gift.tribute }}.\n{% endif %}\n\n"
                   "With gratitude,\n{{ org.signature }}")


@pytest.fixture
def manager(app, client):
    make_user(app, "mo@example.org", "manager", "Mo Manager")
    login(client, "mo@example.org")
    return client


def _form(token, **values) -> dict:
    return {"csrf_token": token, "name": "Markdown thanks", "kind": "thank_you", "format": "markdown",
            "subject": "Thanks from {{ org.name }}", "body": MARKDOWN_LETTER, **values}


def test_a_new_template_is_markdown_and_a_markdown_letter_is_saved_and_sent_as_html(app, manager):
    page = manager.get(NEW).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="markdown"|<input[^>]*value="markdown"[^>]*checked', page)
    assert 'data-insert="{{ gift.amount }}"' in page  # the picker, from FIELDS
    token = csrf_from(manager, NEW)
    response = manager.post(NEW, data=_form(token))
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.scalars(db.select(ReceiptTemplate).where(ReceiptTemplate.name == "Markdown thanks")).one()
        assert (saved.format, saved.body) == ("markdown", MARKDOWN_LETTER)
        settings.put("core", {"org_name": "Riverside Food Bank", "locale": "en-GB", "currency": "GBP"})
        settings.put("pipeline", {"receipts_signature": "Jo Smith, Director"})
        gift = give(make_donor(first="*Bob* <b>x</b>"), "40.00", date(2026, 5, 2), currency="GBP",
                    tribute_kind="memory", tribute_name="Walter Hopper")
        db.session.commit()
        letter = letters.thank_you(letters.load_gifts([gift.id])[0], saved, date(2026, 5, 3))
        assert letter.body == ("<p>Dear *Bob* &lt;b&gt;x&lt;/b&gt;,</p>\n"
                               "<p>Thank you for <strong>£40.00</strong>.</p>\n"
                               "<p>Given in memory of Walter Hopper.</p>\n"
                               "<p>With gratitude,<br>\nJo Smith, Director</p>")
        text_of_pdf = pdf_text(pdf.letters_pdf([letter.frame()]))
        assert "Dear *Bob* <b>x</b>," in text_of_pdf and "Thank you for £40.00." in text_of_pdf
        assert "**" not in text_of_pdf


def test_a_bad_template_keeps_what_was_typed_and_shows_the_error_at_its_line(app, manager):
    token = csrf_from(manager, NEW)
    body = "Dear {{ donor.salutation }},\n\nThank you.\n\n| a | b |\n| --- | --- |\n\n{% if gift.amount %}\nOpen"
    response = manager.post(NEW, data=_form(token, body=body))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="body-error">Unexpected end of template\..*\(line 9\)\.</p>', html)
    assert "Open</textarea>" in html and "{% if gift.amount %}" in html  # what was typed is still there
    misspelt = manager.post(NEW, data=_form(token, body="Hi\n\n**{{ donor.frist_name }}**"))
    assert 'id="body-error">Unknown merge field “frist_name”' in misspelt.get_data(as_text=True)
    unknown_filter = manager.post(NEW, data=_form(token, body="Hi\n\n\n{{ donor.name|shout }}"))
    assert 'id="body-error">No filter named &#39;shout&#39; (line 4).' in unknown_filter.get_data(as_text=True)
    for fmt in ("markdown", "html"):  # the sandbox and its limits hold in both formats
        escape = manager.post(NEW, data=_form(token, format=fmt, body="Hi\n\n**{{ donor.__class__.__mro__ }}**"))
        assert 'id="body-error">Not allowed in a template: access to attribute &#39;__class__&#39;' in \
            escape.get_data(as_text=True)
        limit = manager.post(NEW, data=_form(token, format=fmt, body="{% for i in range(100000) %}\n- x\n{% endfor %}"))
        assert 'id="body-error">This template builds a list that is too long (over 10,000 items).' in \
            limit.get_data(as_text=True)
    no_format = manager.post(NEW, data=_form(token, format="rtf"))
    assert "Choose Markdown or HTML." in no_format.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ReceiptTemplate.id))) == 3  # the shipped three only


def test_the_preview_is_the_letter_filled_in_with_sample_values(app, manager):
    token = csrf_from(manager, NEW)
    data = _form(token, body="Dear {{ donor.first_name }},\n\n<script>alert(1)</script>\n\n"
                                  "| Gift | Amount |\n| --- | ---: |\n| {{ gift.fund }} | {{ gift.amount }} |")
    fragment = manager.post(PREVIEW, data=data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "With made-up sample values." in html
    assert '<td>our scholarship programme</td>\n<td class="align-right">$250.00</td>' in html
    assert "<script" not in html
    # The preview's HTML is the letter's: the same core rendering as the PDF and the email.
    with app.app_context():
        draft = ReceiptTemplate(kind="thank_you", subject="x", body=data["body"], format="markdown")
        with app.test_request_context():
            _, body = letters.render(draft, fields.sample("thank_you", date.today()))
    assert f'<div class="template-preview-page">{body}</div>' in html

    problem = manager.post(PREVIEW, data=_form(token, body="{{ statement.total }}"), headers={"HX-Request": "true"})
    assert "The preview cannot be shown: Unknown merge field “statement”: a thank-you letter has" in \
        problem.get_data(as_text=True)
    # HTML: asterisks stay asterisks.
    as_html = manager.post(PREVIEW, data=_form(token, format="html", body="<p>**{{ donor.first_name }}**</p>"),
                           headers={"HX-Request": "true"})
    assert "<p>**Grace**</p>" in as_html.get_data(as_text=True)

    # Without JavaScript: the editor page, with the preview and the text as typed.
    page = manager.post(PREVIEW, data=_form(token, body="Hello **{{ donor.first_name }}**"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>New receipt template</h1>" in html
    assert '<div class="template-preview-page"><p>Hello <strong>Grace</strong></p></div>' in html
    assert "Hello **{{ donor.first_name }}**</textarea>" in html
    with app.app_context():  # a preview saves nothing
        assert db.session.scalar(db.select(db.func.count(ReceiptTemplate.id))) == 3


def test_the_format_is_edited_audited_and_shown_in_the_list(app, manager):
    with app.app_context():
        template = db.session.scalars(db.select(ReceiptTemplate).where(ReceiptTemplate.kind == "tribute")).one()
        template_id, subject = template.id, template.subject
    url = f"/pipeline/receipts/templates/{template_id}"
    token = csrf_from(manager, url)
    response = manager.post(url, data={"csrf_token": token, "name": "Tribute", "kind": "tribute", "format": "html",
                                       "subject": subject, "body": "<p>Dear {{ notify.salutation }},</p>"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(ReceiptTemplate, template_id).format == "html"
        from app.models import AuditEntry

        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_id == str(template_id))).one()
        assert entry.changes["format"] == ["markdown", "html"]
    listing = manager.get("/pipeline/receipts/templates/").get_data(as_text=True)
    assert re.search(r"Tribute</a>.*?<td>Tribute notification</td>\s*<td>HTML</td>", listing, re.S)
    assert re.search(r"Thank-you letter</a>.*?<td>Markdown</td>", listing, re.S)


def test_the_shipped_letters_become_markdown_where_nobody_changed_them(app, tmp_path):
    old = create_app(app_config(tmp_path, STEWARD_MODULES=["contacts", "pipeline"],
                                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
                                REDIS_URL=app.extensions["steward"].redis_url))
    runner = old.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade", "pipeline_0009"])
    assert result.exit_code == 0, result.output
    with old.app_context():
        shipped_statement = db.session.execute(text(
            "SELECT body FROM pipeline_receipt_template WHERE name = 'Year-end giving statement'")).scalar_one()
        db.session.execute(text("UPDATE pipeline_receipt_template SET body = '<p>Our own thanks.</p>' "
                                "WHERE name = 'Thank-you letter'"))
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with old.app_context():
        rows = {name: (fmt, body) for name, fmt, body in db.session.execute(text(
            "SELECT name, format, body FROM pipeline_receipt_template"))}
        assert rows["Thank-you letter"] == ("html", "<p>Our own thanks.</p>")  # changed: left as it is
        assert rows["Year-end giving statement"][0] == rows["Tribute notification"][0] == "markdown"
        statement = rows["Year-end giving statement"][1]
        assert statement.startswith("## Your giving in {{ statement.year }}\n\nDear {{ donor.salutation }},")
        assert "| Date | Fund | Reference | Amount |" in statement and "<" not in statement
        db.session.remove()
    result = runner.invoke(args=["db", "downgrade", "pipeline_0009"])
    assert result.exit_code == 0, result.output
    with old.app_context():
        assert db.session.execute(text("SELECT body FROM pipeline_receipt_template "
                                       "WHERE name = 'Year-end giving statement'")).scalar_one() == shipped_statement
        db.session.remove()
        db.engine.dispose()


def test_the_markdown_defaults_say_what_the_html_ones_said(app, ctx):
    """The three shipped letters, in Markdown, filled in with sample values."""
    settings.put("core", {"org_name": "Riverside Food Bank", "locale": "en-GB"})
    settings.put("pipeline", {"receipts_signature": "Jo Smith, Director"})
    db.session.commit()
    today = date(2026, 11, 22)
    bodies = {}
    for kind in ("thank_you", "statement", "tribute"):
        template = letters.template_for(kind)
        assert template.format == "markdown"
        bodies[kind] = letters.render(template, fields.sample(kind, today))[1]
    assert bodies["thank_you"].startswith("<p>Dear Grace,</p>\n<p>Thank you for your generous gift of "
                                          "<strong>$250.00</strong> to our scholarship programme, which we "
                                          "received on 14 March 2026, given in memory of Walter Hopper.</p>")
    assert ("<p>With gratitude,</p>\n<p>Jo Smith, Director</p>\n<hr>\n<p>Receipt no. 2026-000042 · Gift no. 1042 · "
            "Cheque · reference 100234.<br>\nPlease keep this letter for your records.</p>") in bodies["thank_you"]
    assert "Please keep this letter for your records." in bodies["statement"]  # the country's wording, not the US one
    assert "goods or services" not in bodies["thank_you"] + bodies["statement"]
    statement = bodies["statement"]
    assert statement.startswith("<h2>Your giving in 2026</h2>")
    assert statement.count("<tr>") == 1 + 4 + 1  # the heading, four gifts, the total
    assert '<td>In kind: Twelve boxes of tinned food, where it is needed most</td>' in statement
    assert '<td class="align-right"><strong>$500.00</strong></td>' in statement
    assert "<p>Gifts in kind are listed without a value" in statement
    assert "<p>We are writing to let you know that Dr Grace Hopper has made a gift to Riverside Food Bank in " \
           "memory of Walter Hopper.</p>" in bodies["tribute"]
