"""The new-contact form warns before creating someone who is already there
(issue 16, part 2): nothing saved, everything typed kept, each match named
with an "Open" link, and "Create anyway" saves exactly one contact."""

from __future__ import annotations

import re
from html import unescape

from app.extensions import db
from modules.contacts.dedupe import duplicates
from modules.contacts.models import Activity, Contact
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.conftest import post_form

NEW = "/contacts/new?kind=person"
TYPED = {"first_name": "Ann", "last_name": "Smyth", "pronouns": "she/her", "notes": "Met at the gala",
         "emails-0-email": "ANN@example.org", "emails-0-label_text": "home",
         "addresses-0-line1": "2 Low Road", "addresses-0-city": "Leeds", "addresses-0-postcode": "LS2 2BB"}


def _existing(app, kind="person", email=None, postcode=None, **values) -> int:
    with app.app_context():
        contact = records.create(kind, values, Details(
            emails=[{"email": email, "label": "", "is_primary": True}] if email else [],
            addresses=[{"line1": "1 High St", "city": "Leeds", "postcode": postcode, "country": "GB", "label": "",
                        "is_primary": True}] if postcode else []))
        db.session.commit()
        return contact.id


def _people(app) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            db.select(Contact.id, Contact.display_name, Contact.email).order_by(Contact.id))]


def _value(html: str, name: str) -> str | None:
    """What the page's input (or textarea) named `name` holds."""
    tag = re.search(rf'<(input|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if tag is None:
        return None
    if tag.group(1) == "textarea":
        return unescape(html[tag.end():html.index("</textarea>", tag.end())]).lstrip("\r\n")
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def test_a_matching_email_warns_saves_nothing_and_keeps_what_was_typed(app, admin_client):
    ann = _existing(app, first_name="Ann", last_name="Smith", email="ann@example.org")
    response = post_form(admin_client, NEW, TYPED)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This may be someone you already have" in html
    assert "<strong>Ann Smith</strong>: same email ann@example.org." in html
    assert f'<a href="/contacts/{ann}">Open Ann Smith</a>' in html
    assert 'name="create_anyway" value="1"' in html and f'name="existing_shown" value="{ann}"' in html
    assert _people(app) == [(ann, "Ann Smith", "ann@example.org")]
    for name, typed in TYPED.items():
        assert _value(html, name) == typed, name
    # "Open Ann Smith" goes to her page.
    page = admin_client.get(f"/contacts/{ann}")
    assert page.status_code == 200 and "<h1" in page.get_data(as_text=True)
    assert re.search(r"<h1[^>]*>\s*Ann Smith", page.get_data(as_text=True))


def test_create_anyway_saves_exactly_one_and_the_duplicates_queue_still_lists_the_pair(app, admin_client):
    ann = _existing(app, first_name="Ann", last_name="Smith", email="ann@example.org")
    response = post_form(admin_client, NEW, {**TYPED, "create_anyway": "1", "existing_shown": str(ann)})
    assert response.status_code == 303, response.get_data(as_text=True)
    people = _people(app)
    assert len(people) == 2 and people[0][0] == ann
    new_id, name, email = people[1]
    assert (name, email) == ("Ann Smyth", "ann@example.org")
    assert response.headers["Location"].endswith(f"/contacts/{new_id}")
    with app.app_context():
        notes = db.session.execute(db.select(Activity.subject, Activity.body).where(Activity.contact_id == new_id)
                                   .order_by(Activity.id)).all()
        assert [tuple(n) for n in notes] == [("Created person", ""), (f"Created anyway beside Ann Smith (#{ann})",
                                                                      "Ann Smith: same email ann@example.org")]
        new = records.load(new_id)
        assert [c.ids for c in duplicates.for_contact(new)] == [(ann, new_id)]
        assert (ann, new_id) in [c.ids for c in duplicates.scan().candidates]


def test_create_anyway_asks_again_about_a_contact_it_did_not_show(app, admin_client):
    """The person changed the email after the warning: the contact it now
    matches was never shown, so nothing is saved yet."""
    ann = _existing(app, first_name="Ann", last_name="Smith", email="ann@example.org")
    other = _existing(app, first_name="Bea", last_name="Other", email="bea@example.org")
    response = post_form(admin_client, NEW, {**TYPED, "emails-0-email": "bea@example.org",
                                             "create_anyway": "1", "existing_shown": str(ann)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert f'<a href="/contacts/{other}">Open Bea Other</a>' in html and "Open Ann Smith" not in html
    assert len(_people(app)) == 2


def test_the_plain_create_button_after_the_warning_checks_again(app, admin_client):
    ann = _existing(app, first_name="Ann", last_name="Smith", email="ann@example.org")
    again = post_form(admin_client, NEW, {**TYPED, "existing_shown": str(ann)})
    assert again.status_code == 409 and len(_people(app)) == 1
    fixed = post_form(admin_client, NEW, {**TYPED, "emails-0-email": "ann.smyth@example.org",
                                          "existing_shown": str(ann)})
    assert fixed.status_code == 303 and len(_people(app)) == 2


def test_name_and_postcode_warn_for_an_organisation_and_a_person(app, admin_client):
    school = _existing(app, "organisation", name="Oakfield School", postcode="LS1 1AA")
    zofia = _existing(app, first_name="Zofia", last_name="Żółć", postcode="LS1 1AA")
    response = post_form(admin_client, "/contacts/new?kind=organisation",
                         {"name": "oakfield school", "addresses-0-postcode": "ls11aa"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<strong>Oakfield School</strong>: same name at postcode LS1 1AA." in html
    assert f'<a href="/contacts/{school}">Open Oakfield School</a>' in html
    response = post_form(admin_client, NEW, {"first_name": "Zofia", "last_name": "Zolc",
                                             "addresses-0-postcode": "LS1 1AA"})
    assert response.status_code == 409
    assert f'<a href="/contacts/{zofia}">Open Zofia Żółć</a>' in response.get_data(as_text=True)
    assert len(_people(app)) == 2


def test_someone_new_is_created_at_once(app, admin_client):
    _existing(app, first_name="Ann", last_name="Smith", email="ann@example.org", postcode="LS1 1AA")
    response = post_form(admin_client, NEW, {"first_name": "Ann", "last_name": "Smith",
                                             "addresses-0-postcode": "LS9 9ZZ"})
    assert response.status_code == 303 and len(_people(app)) == 2


def test_with_htmx_the_boosted_form_gets_the_same_warning(app, admin_client):
    ann = _existing(app, first_name="Ann", last_name="Smith", email="ann@example.org")
    response = post_form(admin_client, NEW, TYPED, page=NEW,
                         headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert f'<a href="/contacts/{ann}">Open Ann Smith</a>' in html and _value(html, "last_name") == "Smyth"
    assert len(_people(app)) == 1


def test_an_email_of_another_kind_of_contact_says_which_kind(app, admin_client):
    riverside = _existing(app, "organisation", name="Riverside Trust", email="hello@riverside.example")
    response = post_form(admin_client, NEW, {"first_name": "Rita", "last_name": "River",
                                             "emails-0-email": "hello@riverside.example"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<strong>Riverside Trust</strong> (organisation): same email hello@riverside.example." in html
    assert f'<a href="/contacts/{riverside}">Open Riverside Trust</a>' in html
    assert len(_people(app)) == 1
