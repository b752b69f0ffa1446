"""Letters fit to send (issue 16, part 4): the fund's own wording, country
names in the organisation's language, organisations greeted through their
primary contact, households by their members, each contact's own greeting
and addressee, and the logo in the letterhead, read back from the PDF."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from pypdf import PdfReader

from app import organisation, settings
from app.extensions import db
from modules.contacts.people import records, relations
from modules.contacts.people.records import Details
from modules.pipeline.models import Fund, ReceiptTemplate
from modules.pipeline.receipts import fields, letters, pdf
from tests.conftest import login
from tests.forms import changed, form_data
from tests.modules.contacts.test_addressing import employ, person
from tests.modules.contacts.test_addressing import organisation as make_organisation
from tests.modules.pipeline.test_receipts_letters import give, make_donor, pdf_text
from tests.two_editors import both_open, two_editors

TODAY = date(2026, 11, 22)
FUND_BODY = "<p>Dear {{ donor.salutation }},</p><p>Thank you for your gift to {{ gift.fund }} " \
            "({{ gift.fund_name }}).</p><p>To: {{ donor.addressee }}</p>"


def use_template(body: str) -> ReceiptTemplate:
    db.session.execute(db.update(ReceiptTemplate).values(is_default=False))
    template = ReceiptTemplate(kind="thank_you", name="Plain", subject="Thank you", body=body, is_default=True)
    db.session.add(template)
    db.session.flush()
    return template


def letter_text(gift) -> tuple[letters.Letter, str]:
    letter = letters.thank_you(letters.load_gifts([gift.id])[0], letters.template_for("thank_you"), TODAY)
    return letter, pdf_text(pdf.letters_pdf([letter.frame()]))


def address(country: str) -> Details:
    return Details(addresses=[{"line1": "5 Hauptstraße", "line2": "", "city": "Berlin", "region": "",
                               "postcode": "10115", "country": country, "label": "", "is_primary": True}])


# --- The fund's own wording ------------------------------------------------------------

def test_a_fund_reads_in_letters_as_its_wording_and_keeps_its_name(app, client, admin):
    login(client, admin.email)
    url = "/pipeline/admin/funds/new"
    form = client.get(url).get_data(as_text=True)
    assert 'name="in_letters"' in form and "How letters name the fund in a sentence" in form
    assert client.post(url, data=changed(form_data(form, url), name="Scholarships",
                                         in_letters="our scholarship programme")).status_code == 303
    with app.app_context():
        fund = db.session.scalar(db.select(Fund).where(Fund.name == "Scholarships"))
        assert fund.in_letters == "our scholarship programme"
        fund_id = fund.id
    edit = client.get(f"/pipeline/admin/funds/{fund_id}/edit").get_data(as_text=True)
    assert "to <strong>our scholarship programme</strong>.”" in edit  # how it reads in a sentence
    assert 'name="in_letters"' not in client.get("/pipeline/admin/appeals/new").get_data(as_text=True)

    with app.app_context():
        settings.put("core", {"org_name": "Riverside School Foundation"})
        use_template(FUND_BODY)
        donor = make_donor()
        general = db.session.scalar(db.select(Fund).where(Fund.name == "General fund"))
        general.in_letters = "where it is needed most"
        with_wording = give(donor, "50.00", date(2026, 3, 1), fund_id=fund_id)
        plain = Fund(name="Library", code="")
        db.session.add(plain)
        db.session.flush()
        without = give(donor, "20.00", date(2026, 3, 2), fund_id=plain.id)
        db.session.commit()
        _, text = letter_text(with_wording)
        assert "Thank you for your gift to our scholarship programme (Scholarships)." in text
        _, text = letter_text(without)
        assert "Thank you for your gift to Library (Library)." in text  # no wording: the name
        rows = fields.statement(2026, letters.year_gifts([donor.id], 2026)[donor.id])["gifts"]
        assert [(r["fund"], r["fund_name"]) for r in rows] == [("our scholarship programme", "Scholarships"),
                                                               ("Library", "Library")]


def test_two_admins_editing_a_funds_wording_clash_instead_of_overwriting(app):
    with app.app_context():
        fund = Fund(name="Scholarships", code="", in_letters="")
        db.session.add(fund)
        db.session.commit()
        fund_id = fund.id
    first, second = two_editors(app)
    url = f"/pipeline/admin/funds/{fund_id}/edit"
    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, in_letters="our scholarship programme")).status_code == 303
    clash = second.post(url, data=changed(form_b, in_letters="the scholarships"))
    assert clash.status_code == 409
    assert '<p class="edit-theirs">our scholarship programme</p>' in clash.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Fund, fund_id).in_letters == "our scholarship programme"


# --- Country names -----------------------------------------------------------------------

def test_the_country_is_named_in_the_organisations_language_and_left_off_at_home(ctx):
    use_template(FUND_BODY)
    donor = records.create("person", {"first_name": "Lena", "last_name": "Schmidt"}, address("DE"))
    gift = give(donor, "30.00", date(2026, 2, 1))
    db.session.commit()
    settings.put("core", {"locale": "fr-FR"})
    letter, text = letter_text(gift)
    assert letter.to_lines == ["5 Hauptstraße", "Berlin 10115", "Allemagne"]
    assert "Allemagne" in text and "\nDE\n" not in text
    settings.put("core", {"locale": "en-GB"})
    assert fields.address_lines(donor)[-1] == "Germany"
    settings.put("core", {"locale": "de-DE"})
    assert fields.address_lines(donor) == ["5 Hauptstraße", "Berlin 10115"]  # at home: no country line


# --- Organisations, households, and each contact's own words -------------------------------

def test_an_organisation_is_written_to_through_its_primary_contact(ctx):
    settings.put("core", {"org_name": "Riverside School Foundation", "locale": "en-GB"})
    acme = make_organisation("Price, Abbott and Perry")
    gift = give(acme, "500.00", date(2026, 4, 1))
    db.session.commit()
    letter, text = letter_text(gift)  # the default template
    assert "Dear friends at Price, Abbott and Perry," in text
    assert "Dear Price, Abbott and Perry," not in text
    grace = make_donor()  # with an address in the US
    employ(acme, grace)
    relations.set_primary_contact(acme, grace.id)
    db.session.commit()
    letter, text = letter_text(gift)
    assert "Dear Grace," in text
    assert letter.to_name == "Grace Hopper, Price, Abbott and Perry"
    # The organisation has no address of its own: the letter goes to its primary contact's.
    assert letter.to_lines == ["1 Navy Way", "Arlington VA 22201", "United States"]
    assert "Grace Hopper, Price, Abbott and Perry\n1 Navy Way" in text


def test_a_household_is_greeted_by_its_members(ctx):
    grace = person("Grace", "Hopper")
    home = relations.create_household(grace)
    relations.join_household(person("Walter", "Hopper"), home)
    gift = give(home, "80.00", date(2026, 5, 1))
    db.session.commit()
    letter, text = letter_text(gift)
    assert "Dear Grace and Walter," in text and letter.to_name == "The Hopper Family"


def test_a_contacts_own_greeting_and_addressee_win_in_the_letter(ctx):
    use_template(FUND_BODY)
    donor = make_donor(prefix="Dr", salutation="Dr Hopper", addressee="Dr and Mr Hopper")
    gift = give(donor, "10.00", date(2026, 6, 1))
    db.session.commit()
    letter, text = letter_text(gift)
    assert "Dear Dr Hopper," in text and "To: Dr and Mr Hopper" in text
    assert letter.to_name == "Dr and Mr Hopper" and "Dr and Mr Hopper\n1 Navy Way" in text
    context = fields.thank_you(letters.load_gifts([gift.id])[0], TODAY)
    assert (context["donor"]["name"], context["donor"]["salutation"], context["donor"]["addressee"]) == (
        "Dr and Mr Hopper", "Dr Hopper", "Dr and Mr Hopper")
    assert {"donor.addressee", "gift.fund_name"} <= {name for _, _, rows in fields.FIELDS for name, *_ in rows}


# --- The logo ---------------------------------------------------------------------------------

def test_the_logo_is_in_the_letterhead_of_the_pdf(ctx):
    donor = make_donor()
    gift = give(donor, "10.00", date(2026, 6, 1))
    db.session.commit()
    letter = letters.thank_you(letters.load_gifts([gift.id])[0], letters.template_for("thank_you"), TODAY)
    without = PdfReader(io.BytesIO(pdf.letters_pdf([letter.frame()])))
    assert len(without.pages[0].images) == 0
    image = io.BytesIO()
    Image.new("RGB", (300, 120), (31, 95, 139)).save(image, "PNG")
    organisation.save_logo(organisation.read_logo(io.BytesIO(image.getvalue())))
    db.session.commit()
    with_logo = PdfReader(io.BytesIO(pdf.letters_pdf([letter.frame()])))
    [logo] = with_logo.pages[0].images
    assert logo.image.size == (300, 120)
    assert logo.image.getpixel((150, 60))[:3] == (31, 95, 139)
