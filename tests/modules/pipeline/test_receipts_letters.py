"""Receipt letters: merge fields, statement totals, the PDF a donor gets,
and one gift's letter downloaded or emailed from its page."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app import settings
from app.extensions import db
from app.models import AuditEntry, MailMessage
from modules.contacts.people import records
from modules.contacts.people.records import Details
from modules.pipeline import gifts
from modules.pipeline.models import Acknowledgement, Fund, Gift
from modules.pipeline.receipts import fields, letters, pdf
from tests.conftest import csrf_from, make_user

TODAY = date(2026, 11, 22)


# Shared by the other receipts tests (plain functions, not fixtures).

def make_donor(first="Grace", last="Hopper", email="grace@example.org", do_not_email=False, **values):
    details = Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [],
                      addresses=[{"line1": "1 Navy Way", "line2": "", "city": "Arlington", "region": "VA",
                                  "postcode": "22201", "country": "US", "label": "", "is_primary": True}])
    person = records.create("person", {"first_name": first, "last_name": last, "do_not_email": do_not_email,
                                       **values}, details)
    db.session.flush()
    return person


def give(donor, amount, on, **values) -> Gift:
    return gifts.record_gift(contact_id=donor.id, amount=Decimal(amount), received_on=on, **values)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def general_fund_id() -> int:
    return db.session.scalar(db.select(Fund.id).where(Fund.name == "General fund"))


@pytest.fixture
def org(ctx):
    settings.put("core", {"org_name": "Riverside Food Bank", "locale": "en-GB", "currency": "GBP"})
    settings.put("core", {"postal_address": "12 Mill Lane\nRiverside RV1 2AB"})
    settings.put("pipeline", {"receipts_registration": "Registered charity no. 1234567",
                              "receipts_signature": "Jo Smith, Director"})
    db.session.commit()


def test_the_default_templates_are_there_and_pass_their_own_checks(org):
    from modules.pipeline.models import ReceiptTemplate
    from modules.pipeline.receipts import checks

    defaults = db.session.scalars(db.select(ReceiptTemplate).where(ReceiptTemplate.is_default.is_(True))).all()
    assert sorted(t.kind for t in defaults) == ["statement", "thank_you", "tribute"]
    for template in defaults:
        sample = fields.sample(template.kind, TODAY)
        assert checks.problems(template.body, template.kind, sample) == []
        assert checks.problems(template.subject, template.kind, sample) == []


def test_a_thank_you_fills_in_the_gift_and_escapes_what_people_typed(org):
    donor = make_donor(first="Grace <b>", last="Hopper")
    gift = give(donor, "1250.50", date(2026, 3, 14), fund_id=general_fund_id(), payment_method="cheque",
                reference="100234", tribute_kind="memory", tribute_name="Walter Hopper", currency="GBP")
    db.session.commit()
    letter = letters.thank_you(letters.load_gifts([gift.id])[0], letters.template_for("thank_you"), TODAY)
    assert letter.subject == "Thank you for your gift to Riverside Food Bank"
    assert "Dear Grace &lt;b&gt;," in letter.body
    # The default letter is Markdown (pipeline_0011); the fund reads as the fund's own wording.
    assert "<strong>£1,250.50</strong> to General fund, which we received on 14 March 2026, " \
           "given in memory of Walter Hopper." in letter.body
    assert f"Gift no. {gift.id} · Cheque · reference 100234." in letter.body
    assert letter.to_lines == ["1 Navy Way", "Arlington VA 22201", "United States"]  # abroad, seen from en-GB
    settings.put("core", {"locale": "en-US"})
    assert fields.address_lines(letter.recipient) == ["1 Navy Way", "Arlington VA 22201"]  # at home


def test_a_statement_totals_exactly_and_leaves_out_soft_credits_and_in_kind_values(org):
    donor = make_donor()
    spouse = make_donor(first="Vincent", email="vincent@example.org")
    for _ in range(3):
        give(donor, "0.10", date(2025, 2, 1), currency="GBP")
    give(donor, "100.00", date(2025, 6, 30), currency="GBP", soft_credits=[(spouse.id, Decimal("100.00"), "spouse")])
    give(donor, "500.00", date(2025, 9, 1), currency="GBP", in_kind=True, in_kind_description="A van's worth of food")
    give(donor, "999.00", date(2024, 12, 31), currency="GBP")       # the year before
    give(spouse, "20.00", date(2025, 5, 5), currency="GBP")          # the spouse's own gift
    db.session.commit()

    years = letters.year_gifts([donor.id, spouse.id], 2025)
    statement = fields.statement(2025, years[donor.id])
    assert statement["total"] == "£100.30"
    assert statement["count"] == 5 and statement["has_in_kind"] is True
    in_kind = [row for row in statement["gifts"] if row["in_kind"]]
    assert in_kind == [{"date": "1 September 2025", "amount": "", "fund": "", "fund_name": "", "in_kind": True,
                        "description": "A van's worth of food", "reference": ""}]
    # The spouse's statement has their own gift only: the soft credit is not theirs.
    assert fields.statement(2025, years[spouse.id])["total"] == "£20.00"

    letter = letters.statement(donor, 2025, years[donor.id], letters.template_for("statement"), TODAY)
    text = pdf_text(pdf.letters_pdf([letter.frame()]))
    assert "Your giving in 2025" in text and "£100.30" in text and "In kind: A van's worth of food" in text
    assert "£999.00" not in text and "£500.00" not in text


def test_the_pdf_is_a_letter_to_the_donor_on_the_org_paper(org):
    donor = make_donor()
    gift = give(donor, "250.00", date(2026, 3, 14), currency="GBP")
    db.session.commit()
    letter = letters.thank_you(letters.load_gifts([gift.id])[0], letters.template_for("thank_you"), TODAY)
    data = pdf.letters_pdf([letter.frame()])
    reader = PdfReader(io.BytesIO(data))
    text = pdf_text(data)
    for expected in ("Riverside Food Bank", "12 Mill Lane", "Grace Hopper", "1 Navy Way", "22 November 2026",
                     "Dear Grace,", "£250.00", "Jo Smith, Director", "Registered charity no. 1234567"):
        assert expected in text, expected
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert round(width_mm) == 210  # en-GB: A4
    settings.put("core", {"locale": "en-US"})
    db.session.commit()
    us = PdfReader(io.BytesIO(pdf.letters_pdf([letter.frame()])))
    assert round(float(us.pages[0].mediabox.width)) == 612  # US Letter: 8.5 in


def test_a_template_cannot_make_weasyprint_read_files(org):
    html = pdf.page_html([{"to_name": "X", "to_lines": [], "date": "", "subject": "",
                           "body": '<p>Hello</p><img src="file:///etc/passwd" alt="">'
                                   '<link rel="stylesheet" href="file:///etc/hostname">'}])
    assert "Hello" in pdf_text(pdf.to_pdf(html))
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.fetcher().fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.fetcher().fetch("http://127.0.0.1/")


def test_a_tribute_letter_goes_to_the_family_and_keeps_an_anonymous_donor_anonymous(org):
    donor = make_donor()
    family = make_donor(first="Mary", email="mary@example.org")
    gift = give(donor, "75.00", date(2026, 4, 1), currency="GBP", anonymous=True, tribute_kind="memory",
                tribute_name="Walter Hopper", tribute_notify_id=family.id)
    db.session.commit()
    letter = letters.tribute(letters.load_gifts([gift.id])[0], letters.template_for("tribute"), TODAY)
    assert letter.recipient.id == family.id and letter.subject == "A gift in memory of Walter Hopper"
    assert "Dear Mary," in letter.body
    assert "a friend who asked to remain anonymous has made a gift to Riverside Food Bank in memory of " \
           "Walter Hopper." in letter.body
    assert "Grace" not in letter.body and "75.00" not in letter.body


# --- From the gift page ---------------------------------------------------------------

@pytest.fixture
def receipts_client(app, client):
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    from tests.conftest import login

    login(client, "sam@example.org")
    return client


def _gift(app, **donor_values) -> int:
    with app.app_context():
        settings.put("core", {"org_name": "Riverside Food Bank"})
        gift = give(make_donor(**donor_values), "40.00", date(2026, 5, 2))
        db.session.commit()
        return gift.id


def test_downloading_the_letter_records_it_as_acknowledged(app, receipts_client):
    gift_id = _gift(app)
    token = csrf_from(receipts_client, "/pipeline/receipts/")
    response = receipts_client.post(f"/pipeline/gifts/{gift_id}/letter.pdf",
                                    data={"csrf_token": token, "kind": "thank_you"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="thank-you-{gift_id}.pdf"'
    assert "Dear Grace," in pdf_text(response.data)
    # Looking at it (GET) records nothing more.
    assert receipts_client.get(f"/pipeline/gifts/{gift_id}/letter.pdf").status_code == 200
    with app.app_context():
        acks = db.session.scalars(db.select(Acknowledgement)).all()
        assert [(a.kind, a.channel, a.gift_id, a.mail_id) for a in acks] == [("thank_you", "download", gift_id, None)]
        assert db.session.get(Gift, gift_id).acknowledged_at is not None
        entry = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.object_type == "pipeline_acknowledgement")).one()
        assert entry.summary == f"Thank-you letter for gift #{gift_id} for Grace Hopper, downloaded to print"


def test_emailing_the_letter_puts_it_in_the_outbox_with_the_pdf(app, receipts_client):
    gift_id = _gift(app)
    token = csrf_from(receipts_client, "/pipeline/receipts/")
    response = receipts_client.post(f"/pipeline/gifts/{gift_id}/letter/email",
                                    data={"csrf_token": token, "kind": "thank_you"})
    assert response.status_code == 303
    with app.app_context():
        message = db.session.scalars(db.select(MailMessage)).one()
        assert message.recipient == "grace@example.org"
        assert message.subject == "Thank you for your gift to Riverside Food Bank"
        assert message.text_body.startswith("Dear Grace,\n\nThank you for your generous gift of $40.00")
        [attachment] = message.attachments
        assert (attachment.filename, attachment.content_type) == (f"thank-you-{gift_id}.pdf", "application/pdf")
        assert "Grace Hopper" in pdf_text(attachment.data)
        ack = db.session.scalars(db.select(Acknowledgement)).one()
        assert (ack.channel, ack.mail_id) == ("email", message.id)


@pytest.mark.parametrize("donor, reason", [({"do_not_email": True}, "asked not to be emailed"),
                                           ({"email": None}, "has no email address")])
def test_a_donor_who_cannot_be_emailed_gets_no_email(app, receipts_client, donor, reason):
    gift_id = _gift(app, **donor)
    token = csrf_from(receipts_client, "/pipeline/receipts/")
    response = receipts_client.post(f"/pipeline/gifts/{gift_id}/letter/email",
                                    data={"csrf_token": token, "kind": "thank_you"}, follow_redirects=True)
    assert f"Not emailed: Grace Hopper {reason}; print the letter instead." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MailMessage.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Acknowledgement.id))) == 0
        assert db.session.get(Gift, gift_id).acknowledged_at is None


def test_volunteers_cannot_make_letters(app, client):
    gift_id = _gift(app)
    make_user(app, "val@example.org", "volunteer", "Val")
    from tests.conftest import login

    login(client, "val@example.org")
    assert client.get(f"/pipeline/gifts/{gift_id}/letter.pdf").status_code == 403
    assert client.get("/pipeline/receipts/").status_code == 403


def test_a_copy_of_a_donors_statement(app, receipts_client):
    with app.app_context():
        donor = make_donor()
        give(donor, "15.00", date(2024, 5, 1))
        give(donor, "25.00", date(2025, 5, 1))
        give(donor, "35.00", date(2025, 6, 1))
        db.session.commit()
        donor_id = donor.id
        from modules.pipeline.receipts.letters import donor_years

        assert donor_years(donor_id) == [2025, 2024]
    look = receipts_client.get(f"/pipeline/receipts/statements/{donor_id}/2025.pdf")
    assert look.headers["Content-Disposition"] == 'inline; filename="statement-2025-grace-hopper.pdf"'
    assert "$60.00" in pdf_text(look.data) and "$15.00" not in pdf_text(look.data)
    assert receipts_client.get(f"/pipeline/receipts/statements/{donor_id}/2023.pdf").status_code == 404
    token = csrf_from(receipts_client, "/pipeline/receipts/")
    assert receipts_client.post(f"/pipeline/receipts/statements/{donor_id}/2025.pdf",
                                data={"csrf_token": token}).status_code == 200
    emailed = receipts_client.post(f"/pipeline/receipts/statements/{donor_id}/2025/email",
                                   data={"csrf_token": token}, follow_redirects=True)
    assert "The 2025 statement is emailed to Grace Hopper (grace@example.org)." in emailed.get_data(as_text=True)
    with app.app_context():
        acks = db.session.scalars(db.select(Acknowledgement).order_by(Acknowledgement.id)).all()
        assert [(a.kind, a.year, a.channel, a.gift_id) for a in acks] == [
            ("statement", 2025, "download", None), ("statement", 2025, "email", None)]
        assert db.session.scalars(db.select(MailMessage)).one().attachments[0].filename == \
            "statement-2025-grace-hopper.pdf"


def test_the_donor_statements_partial_lists_years_for_receipts_users_only(app, admin):
    from flask import render_template
    from flask_login import login_user

    from app.models import User

    with app.app_context():
        donor = make_donor()
        give(donor, "25.00", date(2025, 5, 1))
        db.session.commit()
        donor_id = donor.id
    for email, role, shown in (("admin@example.org", None, True), ("val@example.org", "volunteer", False)):
        if role:
            make_user(app, email, role, "Val")
        with app.test_request_context("/pipeline/gifts/"):
            login_user(db.session.scalar(db.select(User).where(User.email == email)))
            from modules.contacts.models import Contact

            html = render_template("pipeline/receipts_donor_statements.html", contact=db.session.get(Contact, donor_id))
            assert (f'/pipeline/receipts/statements/{donor_id}/2025.pdf"' in html) is shown
            assert ("Email<span class=\"visually-hidden\"> the 2025 statement" in html) is shown
