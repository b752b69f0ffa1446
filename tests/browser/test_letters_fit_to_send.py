"""Letters fit to send, in a real browser with JavaScript on and off: an
organisation's primary contact and greeting set on its edit form, a fund's
wording on its form, and the thank-you letter downloaded from the gift
page, greeting the organisation's contact with the fund's words and the
gift's receipt number. Screenshots at 1280 and 390 px of the forms, the
gift page and the letter itself."""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DESKTOP, PHONE, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

BODY = ("<p>Dear {{ donor.salutation }},</p><p>Thank you for your gift of {{ gift.amount }} to {{ gift.fund }}."
        "</p><p>Receipt no. {{ gift.receipt_number }}</p>")


def _seed(app) -> dict:
    from app import settings
    from app.extensions import db
    from modules.pipeline.models import Fund, ReceiptTemplate
    from tests.modules.contacts.test_addressing import employ, organisation
    from tests.modules.pipeline.test_receipts_letters import give, make_donor

    make_user(app)
    with app.app_context():
        settings.put("core", {"org_name": "Riverside School Foundation", "locale": "en-GB", "currency": "GBP",
                              "postal_address": "12 Mill Lane\nRiverside RV1 2AB"})
        db.session.execute(db.update(ReceiptTemplate).values(is_default=False))
        db.session.add(ReceiptTemplate(kind="thank_you", name="Numbered", subject="Thank you", body=BODY,
                                       is_default=True))
        fund = Fund(name="Scholarships", code="SCH")
        db.session.add(fund)
        acme = organisation("Price, Abbott and Perry")
        grace = make_donor()
        employ(acme, grace)
        db.session.flush()
        gift = give(acme, "500.00", date(2026, 4, 1), fund_id=fund.id, currency="GBP")
        db.session.commit()
        return {"org": acme.id, "grace": grace.id, "fund": fund.id, "gift": gift.id}


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _both_widths(page, shot, name: str) -> None:
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        settle(page)
        shot(page, f"{name}-{label}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} at {label}: the page is {width} px wide"
    page.set_viewport_size(DESKTOP)


def test_an_organisations_letter_from_its_forms_to_the_pdf(app, any_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    ids = _seed(app)
    sign_in(page)

    # The organisation: its primary contact and, at first, no greeting of its own.
    page.goto(f"/contacts/{ids['org']}/edit")
    letters_part = page.locator("fieldset", has=page.get_by_text("In letters", exact=True))
    expect(letters_part.get_by_label("Greeting")).to_have_value("")
    letters_part.get_by_label("Primary contact").select_option(label="Grace Hopper")
    _both_widths(page, shot, f"letters-contact-form-{mode}")
    page.get_by_role("button", name="Save Price, Abbott and Perry").click()
    settle(page)
    identity = page.locator("#contact-identity")
    expect(identity).to_contain_text("“Dear Grace,”")
    expect(identity).to_contain_text("Grace Hopper, Price, Abbott and Perry")
    expect(page.locator(".contact-links")).to_contain_text("Primary contact")
    _both_widths(page, shot, f"letters-contact-page-{mode}")

    # The fund's wording, and the sentence it makes.
    page.goto(f"/pipeline/admin/funds/{ids['fund']}/edit")
    page.get_by_label("In letters").fill("our scholarship programme")
    page.get_by_role("button", name="Save").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text("Saved the fund “Scholarships”.")
    page.goto(f"/pipeline/admin/funds/{ids['fund']}/edit")
    expect(page.locator(".fund-wording-example")).to_have_text(
        "In a thank-you letter: “Thank you for your gift of £250.00 to our scholarship programme.”")
    _both_widths(page, shot, f"letters-fund-form-{mode}")

    # The letter from the gift page, then the gift page with its receipt number.
    page.goto(f"/pipeline/gifts/{ids['gift']}")
    expect(page.locator("main")).to_contain_text("Given with the first thank-you letter")
    with page.expect_download() as info:
        page.locator(".receipts-gift-actions").get_by_role("button", name="Download thank-you letter (PDF)").click()
    text = _pdf_text(open(info.value.path(), "rb").read())
    assert "Grace Hopper, Price, Abbott and Perry\n1 Navy Way\nArlington VA 22201\nUnited States" in text
    assert "Dear Grace," in text and "£500.00 to our scholarship programme." in text
    assert "Receipt no. 2026-000001" in text
    page.reload()
    settle(page)
    expect(page.locator(".receipt-number")).to_have_text("2026-000001")
    _both_widths(page, shot, f"letters-gift-page-{mode}")


def test_the_letter_as_printed(app, new_page, shot):
    """The letter's own HTML (what WeasyPrint prints) in the browser, to look at."""
    ids = _seed(app)
    from app.extensions import db
    from modules.contacts.models import Contact
    from modules.contacts.people import relations
    from modules.pipeline.receipts import letters, numbers, pdf

    with app.test_request_context():
        from PIL import Image

        from app import organisation
        from modules.pipeline.models import Fund

        logo = io.BytesIO()
        Image.new("RGB", (360, 120), (31, 95, 139)).save(logo, "PNG")
        organisation.save_logo(organisation.read_logo(io.BytesIO(logo.getvalue())))
        db.session.get(Fund, ids["fund"]).in_letters = "our scholarship programme"
        relations.set_primary_contact(db.session.get(Contact, ids["org"]), ids["grace"])
        numbers.assign([ids["gift"]])
        db.session.commit()
        letter = letters.thank_you(letters.load_gifts([ids["gift"]])[0], letters.template_for("thank_you"),
                                   date(2026, 11, 22))
        html = pdf.page_html([letter.frame()])
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page = new_page(viewport=size)
        page.set_content(html)
        expect(page.locator(".recipient")).to_contain_text("Grace Hopper, Price, Abbott and Perry")
        expect(page.locator(".letter-body")).to_contain_text("Receipt no. 2026-000001")
        expect(page.locator(".letter-body")).to_contain_text("£500.00 to our scholarship programme.")
        expect(page.locator("img.org-logo")).to_be_visible()
        shot(page, f"letters-letter-{label}")
