"""Creating and editing contacts through the forms: every kind, validation
messages next to the fields, the inline (HTMX) editors, household,
relationships, tags, opt-in, trash and undo, and permissions."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.models import (
    Activity,
    ConsentEntry,
    Contact,
    CustomField,
    CustomValue,
    Relationship,
    RelationshipType,
    Tag,
)
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.conftest import login, make_user, post_form

HX = {"HX-Request": "true"}


def contacts(app) -> list[Contact]:
    with app.app_context():
        rows = db.session.scalars(db.select(Contact).order_by(Contact.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def person(app, **values) -> int:
    with app.app_context():
        details = values.pop("details", None)
        contact = records.create(values.pop("kind", "person"), values, details)
        db.session.commit()
        return contact.id


def activities(app, contact_id) -> list[str]:
    with app.app_context():
        return [a.subject for a in db.session.scalars(
            db.select(Activity).where(Activity.contact_id == contact_id).order_by(Activity.id))]


def audits(app, object_type="contacts_contact") -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == object_type)
                                  .order_by(AuditEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def custom_field(app, **values) -> int:
    with app.app_context():
        cf = CustomField(**{"kinds": ["person"], "choices": [], "position": 0, "active": True, **values})
        db.session.add(cf)
        db.session.commit()
        return cf.id


def relationship_type(app) -> int:
    """The built-in "parent of / child of" type (seeded by the migration, and
    emptied between tests)."""
    with app.app_context():
        rtype = db.session.scalar(db.select(RelationshipType).where(RelationshipType.key == "parent"))
        if rtype is None:
            rtype = RelationshipType(key="parent", a_to_b="parent of", b_to_a="child of")
            db.session.add(rtype)
            db.session.commit()
        return rtype.id


# ---------------------------------------------------------------- create
def test_create_a_person_with_details_and_custom_values(app, admin_client):
    number = custom_field(app, key="shoe", label="Shoe size", type="number")
    colours = custom_field(app, key="colours", label="Colours", type="multi_choice",
                           choices=["Red", "Green", "Blue"])
    page = admin_client.get("/contacts/new?kind=person")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'for="emails-0-email"' in html and "Shoe size" in html and "<legend>Colours</legend>" in html
    response = post_form(admin_client, "/contacts/new?kind=person", {
        "prefix": "Dr", "first_name": "Ann", "last_name": "Smith", "birth_date": "1980-05-01",
        "pronouns": "she/her", "owner_id": "",
        "emails-0-email": "Ann@Example.org", "emails-0-label": "home",
        "emails-1-email": "ann@work.example", "emails-1-label": "work", "emails_primary": "1",
        "phones-0-number": "+44 1632 960001", "phones-0-label": "mobile",
        "addresses-0-line1": "1 High St", "addresses-0-city": "Leeds", "addresses-0-postcode": "LS1 1AA",
        "addresses-0-country": "gb",
        f"cf_{number}": "42.5", f"cf_{colours}": ["Red", "Blue"],
        "do_not_phone": "y",
    })
    assert response.status_code == 303, response.get_data(as_text=True)
    [ann] = contacts(app)
    assert response.headers["Location"].endswith(f"/contacts/{ann.id}")
    assert (ann.display_name, ann.email, ann.phone, ann.country, ann.do_not_phone, ann.owner_id) == (
        "Dr Ann Smith", "ann@work.example", "+441632960001", "GB", True, None)
    with app.app_context():
        values = db.session.scalars(db.select(CustomValue).order_by(CustomValue.id)).all()
        assert [(v.value_number, v.value_text) for v in values] == [
            (Decimal("42.5"), None), (None, "Red"), (None, "Blue")]
    page = admin_client.get(f"/contacts/{ann.id}").get_data(as_text=True)
    assert "Shoe size" in page and "42.5" in page and "Red, Blue" in page
    assert 'href="tel:+441632960001"' in page and 'href="mailto:ann@work.example"' in page


@pytest.mark.parametrize("kind", ["household", "organisation"])
def test_create_a_household_or_organisation(app, admin_client, kind):
    response = post_form(admin_client, f"/contacts/new?kind={kind}", {
        "name": "Riverside", "emails-0-email": "hello@riverside.example"})
    assert response.status_code == 303, response.get_data(as_text=True)
    [group] = contacts(app)
    assert (group.kind, group.display_name, group.email) == (kind, "Riverside", "hello@riverside.example")
    assert "Created " + kind in activities(app, group.id)


def test_bad_input_is_refused_with_messages_next_to_the_fields(app, admin_client):
    number = custom_field(app, key="shoe", label="Shoe size", type="number")
    response = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "", "last_name": "",
        "emails-0-email": "not-an-email", "phones-0-number": "call me maybe",
        "addresses-0-city": "Leeds", "addresses-0-country": "XX",
        f"cf_{number}": "lots",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="first_name-error">Enter a first or a last name.' in html
    assert 'id="emails-0-email-error">Enter a valid email address' in html
    assert 'id="phones-0-number-error">This does not look like a phone number' in html
    assert 'id="addresses-0-country-error">Use a two-letter country code' in html
    assert f'id="cf_{number}-error">Enter a number' in html
    assert 'value="not-an-email"' in html  # what was typed stays
    assert contacts(app) == []
    response = post_form(admin_client, "/contacts/new?kind=organisation", {"name": "  "})
    assert response.status_code == 422 and 'id="name-error">Enter a name.' in response.get_data(as_text=True)
    assert contacts(app) == []


def test_household_by_exact_name_or_number_and_a_clear_error(app, admin_client):
    home = person(app, kind="household", name="The Smith Family")
    response = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ann", "household": "The Jones Family"})
    assert response.status_code == 422
    assert "No household is called “The Jones Family”" in response.get_data(as_text=True)
    assert post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ann", "household": "the smith family"}).status_code == 303
    assert post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Bob", "household": f"#{home}"}).status_code == 303
    members = [c for c in contacts(app) if c.kind == "person"]
    assert [c.household_id for c in members] == [home, home]
    options = admin_client.get("/contacts/lookup?kind=household&field=household&household=smi", headers=HX)
    assert f'value="The Smith Family (#{home})"' in options.get_data(as_text=True)


# ---------------------------------------------------------------- edit
def test_edit_with_the_full_form(app, admin_client):
    cid = person(app, first_name="Ann", last_name="Smith",
                 details=Details(emails=[{"email": "ann@example.org", "label": "", "is_primary": True}]))
    form = admin_client.get(f"/contacts/{cid}/edit").get_data(as_text=True)
    assert 'value="ann@example.org"' in form and 'id="emails-1-email"' in form  # plus one blank row
    response = post_form(admin_client, f"/contacts/{cid}/edit", {
        "first_name": "Ann", "last_name": "Jones", "owner_id": "",
        "emails-0-email": "ann@example.org", "emails-1-email": "ann@new.example", "emails_primary": "1",
    })
    assert response.status_code == 303
    [ann] = contacts(app)
    assert (ann.display_name, ann.email) == ("Ann Jones", "ann@new.example")
    entry = audits(app)[-1]
    assert entry.action == "update" and entry.changes["last_name"] == ["Smith", "Jones"]
    assert activities(app, cid)[-1].startswith("Changed last name")


def test_edit_one_section_inline_with_htmx(app, admin_client):
    cid = person(app, first_name="Ann", last_name="Smith",
                 details=Details(phones=[{"number": "+441632960001", "label": "", "is_primary": True}]))
    fragment = admin_client.get(f"/contacts/{cid}/edit?section=identity", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and 'id="contact-identity"' in html
    assert 'name="first_name"' in html and 'name="emails-0-email"' not in html
    response = post_form(admin_client, f"/contacts/{cid}/edit?section=identity",
                         {"first_name": "Annie", "last_name": "Smith", "notes": "Likes <b>tea</b>"},
                         page=f"/contacts/{cid}", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "contact-changed"
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert '<h1 id="contact-name" hx-swap-oob="true">Annie Smith</h1>' in html  # the page's heading too
    assert "Likes &lt;b&gt;tea&lt;/b&gt;" in html
    [ann] = contacts(app)
    assert ann.first_name == "Annie" and ann.phone == "+441632960001"  # details untouched
    assert audits(app)[-1].changes["first_name"] == ["Ann", "Annie"]
    assert "Changed first name, notes" in activities(app, cid)
    # Errors come back in the section's form, with 422.
    response = post_form(admin_client, f"/contacts/{cid}/edit?section=details",
                         {"phones-0-number": "nope"}, page=f"/contacts/{cid}", headers=HX)
    assert response.status_code == 422
    assert 'id="phones-0-number-error"' in response.get_data(as_text=True)
    # A preferences section saved without JavaScript redirects back.
    response = post_form(admin_client, f"/contacts/{cid}/edit?section=preferences",
                         {"do_not_email": "y"}, page=f"/contacts/{cid}")
    assert response.status_code == 303
    [ann] = contacts(app)
    assert ann.do_not_email and ann.phone == "+441632960001" and ann.first_name == "Annie"


def test_an_extra_blank_row_fragment(app, admin_client):
    html = admin_client.get("/contacts/rows/phones?index=3", headers=HX).get_data(as_text=True)
    assert 'name="phones-3-number"' in html and "Phone 4" in html
    assert 'hx-swap-oob="true"' in html and "index=4" in html


# ---------------------------------------------------------------- household, relationships, tags
def test_household_join_leave_and_create(app, admin_client):
    ann = person(app, first_name="Ann", last_name="Smith")
    home = person(app, kind="household", name="Riverside House")
    page = f"/contacts/{ann}"
    assert post_form(admin_client, f"/contacts/{ann}/household", {"join-household": "Nowhere"},
                     page=page).status_code == 422
    response = post_form(admin_client, f"/contacts/{ann}/household",
                         {"join-household": f"Riverside House (#{home})"}, page=page)
    assert response.status_code == 303
    assert contacts(app)[0].household_id == home
    html = admin_client.get(f"/contacts/{home}").get_data(as_text=True)
    assert f'href="/contacts/{ann}">Ann Smith</a>' in html
    assert "Ann Smith joined the household" in activities(app, home)
    assert post_form(admin_client, f"/contacts/{ann}/household/leave", {}, page=page).status_code == 303
    assert contacts(app)[0].household_id is None
    assert "Changed household" in activities(app, ann)
    response = post_form(admin_client, f"/contacts/{ann}/household/new", {"newhh-name": ""}, page=page)
    assert response.status_code == 303
    new = [c for c in contacts(app) if c.display_name == "The Smith Family"]
    assert len(new) == 1 and contacts(app)[0].household_id == new[0].id


def test_relationships_both_directions(app, admin_client):
    parent = person(app, first_name="Pat", last_name="Parent")
    child = person(app, first_name="Kim", last_name="Child")
    type_id = relationship_type(app)
    # From the child's page: the child is "child of" the parent.
    response = post_form(admin_client, f"/contacts/{child}/relationships",
                         {"rel-type": f"{type_id}:b", "rel-other": f"#{parent}"}, page=f"/contacts/{child}")
    assert response.status_code == 303
    with app.app_context():
        rel = db.session.scalar(db.select(Relationship))
        assert (rel.contact_a_id, rel.contact_b_id) == (parent, child)
        rel_id = rel.id
    parent_page = admin_client.get(f"/contacts/{parent}").get_data(as_text=True)
    child_page = admin_client.get(f"/contacts/{child}").get_data(as_text=True)
    assert f'<span class="muted">Parent of</span> <a href="/contacts/{child}">Kim Child</a>' in parent_page
    assert f'<span class="muted">Child of</span> <a href="/contacts/{parent}">Pat Parent</a>' in child_page
    assert "Now parent of Kim Child" in activities(app, parent)
    assert "Now child of Pat Parent" in activities(app, child)
    assert audits(app, "contacts_relationship")[-1].action == "create"
    # Unknown other contact, and self.
    bad = post_form(admin_client, f"/contacts/{child}/relationships",
                    {"rel-type": f"{type_id}:a", "rel-other": "Nobody Here"}, page=f"/contacts/{child}")
    assert bad.status_code == 422 and "No contact is called" in bad.get_data(as_text=True)
    # Removing asks first without JavaScript.
    url = f"/contacts/{child}/relationships/{rel_id}/remove"
    assert "Remove “Pat Parent is parent of Kim Child”?" in admin_client.get(url).get_data(as_text=True)
    assert post_form(admin_client, url, {}).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Relationship)) is None
    assert audits(app, "contacts_relationship")[-1].action == "delete"
    assert "No longer parent of Kim Child" in activities(app, parent)


def test_tags_add_new_and_existing_then_remove(app, admin_client):
    cid = person(app, first_name="Ann")
    with app.app_context():
        db.session.add(Tag(name="Volunteer", colour="green"))
        db.session.commit()
        volunteer = db.session.scalar(db.select(Tag.id))
    page = f"/contacts/{cid}"
    assert post_form(admin_client, f"/contacts/{cid}/tags", {"tag-tag": str(volunteer)}, page=page).status_code == 303
    response = post_form(admin_client, f"/contacts/{cid}/tags", {"tag-new_tag": "Donor"}, page=page, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "contact-changed"
    html = admin_client.get(page).get_data(as_text=True)
    swatch = '<span class="tag-swatch" aria-hidden="true"></span>'
    assert f'tag-green">{swatch}Volunteer' in html and f'tag-blue">{swatch}Donor' in html
    assert post_form(admin_client, f"/contacts/{cid}/tags/{volunteer}/remove", {}, page=page).status_code == 303
    with app.app_context():
        assert [t.name for t in records.load(cid).tags] == ["Donor"]
    assert activities(app, cid)[-3:] == ["Tagged Volunteer", "Tagged Donor", "Removed tag Volunteer"]
    assert audits(app)[-1].changes == {"tags": ["Donor, Volunteer", "Donor"]}


def test_email_opt_in_with_consent_history(app, admin_client):
    cid = person(app, first_name="Ann")
    page = f"/contacts/{cid}"
    bad = post_form(admin_client, f"/contacts/{cid}/opt-in",
                    {"optin-status": "opted_in", "optin-source": "Gala form"}, page=page)
    assert bad.status_code == 422 and "Record the wording they agreed to." in bad.get_data(as_text=True)
    assert post_form(admin_client, f"/contacts/{cid}/opt-in", {
        "optin-status": "opted_in", "optin-source": "Gala form",
        "optin-wording": "Yes, send me news"}, page=page).status_code == 303
    assert post_form(admin_client, f"/contacts/{cid}/opt-in", {
        "optin-status": "opted_out", "optin-source": "Phone call"}, page=page).status_code == 303
    with app.app_context():
        assert [e.status for e in db.session.scalars(db.select(ConsentEntry))] == ["opted_in", "opted_out"]
    html = admin_client.get(page).get_data(as_text=True)
    assert html.index("Phone call") < html.index("Gala form")  # newest first
    assert "Yes, send me news" in html and "Ada Admin" in html


# ---------------------------------------------------------------- trash and permissions
def test_trash_and_undo(app, admin_client):
    cid = person(app, first_name="Tess", last_name="Trash")
    page = f"/contacts/{cid}"
    confirm = admin_client.get(f"{page}/trash")
    assert confirm.status_code == 200 and "Move Tess Trash to the trash?" in confirm.get_data(as_text=True)
    response = post_form(admin_client, f"{page}/trash", {}, page=page)
    assert response.status_code == 303
    landing = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Moved Tess Trash to the trash." in landing and f'href="/contacts/{cid}/restore"' in landing
    assert admin_client.get(page).status_code == 404
    assert audits(app)[-1].action == "delete"
    assert post_form(admin_client, f"{page}/restore", {}, page=f"{page}/restore").status_code == 303
    assert admin_client.get(page).status_code == 200


def test_a_volunteer_may_look_but_not_change(app, client):
    cid = person(app, first_name="Ann")
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    login(client, "vol@example.org")
    page = client.get(f"/contacts/{cid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Edit" not in html and "Move to the trash" not in html
    for url in ("/contacts/new", f"/contacts/{cid}/edit", f"/contacts/{cid}/tags"):
        assert client.get(url).status_code == 403
    for url in (f"/contacts/{cid}/edit", "/contacts/new", f"/contacts/{cid}/tags", f"/contacts/{cid}/opt-in",
                f"/contacts/{cid}/household", f"/contacts/{cid}/relationships", f"/contacts/{cid}/trash",
                f"/contacts/{cid}/restore"):
        assert post_form(client, url, {}, page=f"/contacts/{cid}").status_code == 403, url


def test_adding_a_row_without_javascript_creates_nothing_yet(app, admin_client):
    """Issue 16, part 2: "Add another email" posted the form and saved the
    contact, so Cancel then left a half-entered record behind."""
    response = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ann", "last_name": "", "emails-0-email": "ann@example.org", "emails-1-email": "",
        "again": "emails"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and contacts(app) == []
    assert 'value="Ann"' in html and 'value="ann@example.org"' in html
    assert 'name="emails-2-email"' in html and 'name="emails-3-email"' not in html  # one more row
    assert 'class="error"' not in html  # nothing was checked yet: the person is still typing
    saved = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ann", "last_name": "Smith", "emails-0-email": "ann@example.org",
        "emails-2-email": "ann@work.example"})
    assert saved.status_code == 303
    [ann] = contacts(app)
    assert ann.display_name == "Ann Smith"


def test_the_phone_box_shows_a_number_of_the_organisations_country(app, admin_client):
    from app import settings

    def placeholder() -> str:
        html = admin_client.get("/contacts/new?kind=person").get_data(as_text=True)
        return re.search(r'<input[^>]*name="phones-0-number"[^>]*placeholder="([^"]*)"', html).group(1)

    with app.test_request_context():
        settings.put("contacts", {"default_country": "IE"})
        db.session.commit()
    assert placeholder() == "+353 85 012 3456"
    with app.test_request_context():
        settings.put("contacts", {"default_country": "DE"})
        db.session.commit()
    assert placeholder() == "+49 1512 3456789"
