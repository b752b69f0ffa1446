"""The contact page: the whole picture, escaped, bounded queries."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from app.extensions import db
from modules.contacts import hooks
from modules.contacts.hooks import Panel
from modules.contacts.models import CustomField, CustomValue, RelationshipType, Tag
from modules.contacts.people import records, relations
from modules.contacts.people.records import Details
from tests.conftest import counted_queries, login, make_user


def make_contact(app, n: int = 1, **values) -> int:
    """A person with `n` emails, phones, addresses, tags and a relationship or two."""
    with app.app_context():
        details = Details(
            emails=[{"email": f"p{i}@example.org", "label": "home", "is_primary": i == 0} for i in range(n)],
            phones=[{"number": f"+4416329600{i:02d}", "label": "", "is_primary": i == 0} for i in range(n)],
            addresses=[{"line1": f"{i} High St", "line2": "", "city": "Leeds", "region": "",
                        "postcode": "LS1 1AA", "country": "GB", "label": "", "is_primary": i == 0}
                       for i in range(n)])
        contact = records.create("person", {"first_name": "Ann", "last_name": "Smith", **values}, details)
        rtype = db.session.scalar(db.select(RelationshipType).where(RelationshipType.key == "sibling"))
        if rtype is None:
            rtype = RelationshipType(key="sibling", a_to_b="sibling of", b_to_a="sibling of")
            db.session.add(rtype)
            db.session.flush()
        for i in range(n):
            tag = Tag(name=f"tag-{contact.id}-{i}", colour="green")
            relations.add_tag(contact, tag)
            other = records.create("person", {"first_name": f"Sib{i}", "last_name": "Smith"})
            db.session.flush()
            relations.add_relationship(contact, f"{rtype.id}:a", other)
        db.session.commit()
        return contact.id


def test_the_page_shows_the_whole_picture(app, admin_client):
    with app.app_context():
        household = records.create("household", {"name": "The Smith Family"})
        db.session.flush()
        field = CustomField(key="shoe", label="Shoe size", type="number", kinds=["person"], choices=[],
                            position=0, active=True)
        hidden = CustomField(key="old", label="Retired field", type="text", kinds=["person"], choices=[],
                             position=1, active=False)
        db.session.add_all([field, hidden])
        db.session.commit()
        household_id, field_id, hidden_id = household.id, field.id, hidden.id
    cid = make_contact(app, 2, preferred_name="Annie", pronouns="she/her", birth_date=date(1980, 5, 1),
                       preferred_language="en", source="Gala 2024", household_id=household_id)
    with app.app_context():
        db.session.add_all([CustomValue(contact_id=cid, field_id=field_id, value_number=9),
                            CustomValue(contact_id=cid, field_id=hidden_id, value_text="gone")])
        records.set_opt_in(records.load(cid), "opted_in", "Web form", "Send me the newsletter")
        db.session.commit()
    html = admin_client.get(f"/contacts/{cid}").get_data(as_text=True)
    assert '<h1 id="contact-name">Annie Smith</h1>' in html
    for text in ("she/her", "01 May 1980", "Gala 2024", "Ada Admin", "The Smith Family",
                 'href="mailto:p0@example.org"', 'href="tel:+441632960000"', "1 High St",
                 "Shoe size", "Opted in", "Send me the newsletter", "Web form", 'class="badge tag-chip'):
        assert text in html, text
    assert "Retired field" not in html
    assert html.index("p0@example.org") < html.index("p1@example.org")  # primary first
    household_page = admin_client.get(f"/contacts/{household_id}").get_data(as_text=True)
    assert f'<a href="/contacts/{cid}">Annie Smith</a>' in household_page


def test_names_and_notes_are_text(app, admin_client):
    cid = make_contact(app, first_name="<script>alert(1)</script>",
                       notes="<script>alert('notes')</script>\nsecond line")
    html = admin_client.get(f"/contacts/{cid}").get_data(as_text=True)
    assert "&lt;script&gt;" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;notes&#39;)&lt;/script&gt;\nsecond line" in html
    edit = admin_client.get(f"/contacts/{cid}/edit").get_data(as_text=True)
    assert "<script>alert" not in edit and "&lt;script&gt;" in edit


def test_a_trashed_contact_is_not_found_and_others_are_404(app, admin_client):
    cid = make_contact(app)
    with app.app_context():
        records.trash([records.load(cid)])
        db.session.commit()
    assert admin_client.get(f"/contacts/{cid}").status_code == 404
    assert admin_client.get("/contacts/999999").status_code == 404


def test_panels_from_other_modules_respect_permissions(app, admin_client, monkeypatch):
    cid = make_contact(app)
    monkeypatch.setattr(hooks, "panels", lambda: [
        Panel("gifts", "Giving", "contacts.view", lambda c: Markup("<p>Gave £10</p>")),
        Panel("secret", "Secret things", "contacts.admin", lambda c: Markup("<p>hidden</p>")),
    ])
    html = admin_client.get(f"/contacts/{cid}").get_data(as_text=True)
    assert "Giving" in html and "<p>Gave £10</p>" in html and "Secret things" in html
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    volunteer = app.test_client()
    login(volunteer, "vol@example.org")
    html = volunteer.get(f"/contacts/{cid}").get_data(as_text=True)
    assert "Giving" in html and "Secret things" not in html


def test_the_timeline_region_loads_when_the_timeline_exists(app, admin_client):
    cid = make_contact(app)
    html = admin_client.get(f"/contacts/{cid}").get_data(as_text=True)
    if "contacts.timeline" in app.view_functions:
        with app.test_request_context():
            from flask import url_for

            url = url_for("contacts.timeline", contact_id=cid)
        assert '<section id="timeline"' in html and f'hx-get="{url}"' in html
        assert f'<a href="{url}">' in html  # for readers without JavaScript
    else:
        assert 'id="timeline"' not in html


def test_query_count_does_not_grow_with_details(app, admin_client):
    one, ten = make_contact(app, 1), make_contact(app, 10)
    admin_client.get(f"/contacts/{one}")  # warm up (settings, permissions)
    counts = []
    for cid in (one, ten):
        with counted_queries(app) as statements:
            response = admin_client.get(f"/contacts/{cid}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    html = admin_client.get(f"/contacts/{ten}").get_data(as_text=True)
    assert "p9@example.org" in html and html.count('class="badge tag-chip') == 10
    assert html.count("Sibling of") == 10


def test_query_count_is_bounded_whatever_the_timeline_holds(app, admin_client):
    """The page reads the contact, its details, tags, household, relationships,
    custom fields and consent: the same few queries for a quiet contact and a
    busy one (the timeline and lazy panels come in their own requests)."""
    from modules.contacts.models import Activity

    quiet, busy = make_contact(app, 1), make_contact(app, 3)
    with app.app_context():
        db.session.add_all(Activity(contact_id=busy, kind="note", subject=f"Note {i}") for i in range(60))
        db.session.commit()
    admin_client.get(f"/contacts/{quiet}")  # warm up (settings, permissions)
    counts = []
    for cid in (quiet, busy):
        with counted_queries(app) as statements:
            assert admin_client.get(f"/contacts/{cid}").status_code == 200
        counts.append(len(statements))
        assert not [s for s in statements if "contacts_activity" in s], statements
    # Twelve today: the session, the contact with its household, its details, its tags, the custom
    # fields, the consent history, the relationships, the relationship types, the core settings;
    # Marketing's subscriptions panel (the topics, and whether an address is suppressed) and the
    # Helpdesk's tickets panel. A module's panel costs the same few queries for every contact.
    assert counts[0] == counts[1] <= 12, counts


def _lazy_panels(monkeypatch, calls: list):
    def render(contact):
        calls.append(contact.id)
        return Markup("<p>Gave £10</p>")

    monkeypatch.setattr(hooks, "panels", lambda: [
        Panel("gifts", "Giving", "contacts.view", render, lazy=True),
        Panel("secret", "Secret things", "contacts.admin", render, lazy=True),
    ])


def test_a_lazy_panel_is_a_placeholder_that_loads_its_own_url(app, admin_client, monkeypatch):
    cid = make_contact(app)
    calls: list = []
    _lazy_panels(monkeypatch, calls)
    html = admin_client.get(f"/contacts/{cid}").get_data(as_text=True)
    assert calls == []  # not rendered with the page
    url = f"/contacts/{cid}/panels/gifts"
    placeholder = html[html.index('id="panel-gifts"'):]
    placeholder = placeholder[:placeholder.index("</section>")]
    assert f'hx-get="{url}"' in placeholder and 'hx-trigger="load"' in placeholder
    assert '<h2 id="panel-gifts-heading">Giving</h2>' in placeholder  # named before it loads
    assert "Loading…" in placeholder
    assert f'<a href="{url}">Show giving<span class="visually-hidden"> of Ann Smith</span></a>' in placeholder

    fragment = admin_client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card contact-section contact-panel" id="panel-gifts"')
    assert "<p>Gave £10</p>" in fragment and "hx-get" not in fragment and calls == [cid]
    page = admin_client.get(url).get_data(as_text=True)  # without JavaScript: a page of its own
    assert "<h1>Ann Smith: giving</h1>" in page and "<p>Gave £10</p>" in page
    assert f'<a href="/contacts/{cid}">← Back to Ann Smith</a>' in page


def test_a_lazy_panel_keeps_its_permission_and_its_contact(app, admin_client, monkeypatch):
    cid = make_contact(app)
    _lazy_panels(monkeypatch, [])
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    volunteer = app.test_client()
    login(volunteer, "vol@example.org")
    html = volunteer.get(f"/contacts/{cid}").get_data(as_text=True)
    assert 'id="panel-gifts"' in html and 'id="panel-secret"' not in html
    assert volunteer.get(f"/contacts/{cid}/panels/secret").status_code == 403
    assert admin_client.get(f"/contacts/{cid}/panels/secret").status_code == 200
    assert admin_client.get(f"/contacts/{cid}/panels/nothing").status_code == 404
    assert admin_client.get("/contacts/999999/panels/gifts").status_code == 404
    with app.app_context():
        records.trash([records.load(cid)])
        db.session.commit()
    assert admin_client.get(f"/contacts/{cid}/panels/gifts").status_code == 404


def _controls(html: str) -> list:
    """(tag, attributes, content) of each input, select and text area, attributes in any order."""
    from html.parser import HTMLParser

    found, open_ = [], []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("input", "select", "textarea", "option", "label"):
                found.append([tag, dict(attrs), ""])
                open_[:] = [found[-1]] if tag in ("textarea", "option", "label") else []

        def handle_endtag(self, tag):
            open_.clear()

        def handle_data(self, data):
            if open_:
                open_[0][2] += data

    Parser().feed(html)
    return found


def test_the_pages_quick_fields_render_what_wtforms_renders(app):
    """The contact page's small forms render their fields with the `control`
    macro instead of WTForms' widgets (several times faster): same elements,
    attributes, options and values, blank, filled in and with errors."""
    from flask import render_template_string

    from app.forms import choices
    from modules.contacts.people import forms

    both = ('{% from "macros/forms.html" import field %}{% from "contacts/_contact_fields.html" import quick_field, '
            'lookup with context %}{{ field(f) }}@@{{ quick_field(f) }}')
    lookups = ('{% from "macros/forms.html" import field %}{% from "contacts/_contact_fields.html" import lookup '
               'with context %}{{ f(list=f.id ~ "-options", data_hx_get=url_for("contacts.lookup", kind="", '
               'field=f.name, exclude=3), data_hx_trigger="input changed delay:300ms", data_hx_target="#" ~ f.id '
               '~ "-options", data_hx_swap="innerHTML", data_hx_sync="this:replace", **aria(f)) }}@@'
               '{{ lookup(f, "", 3) }}')
    with app.test_request_context():
        blank = forms.RelationshipForm(prefix="rel", formdata=None)
        filled = forms.RelationshipForm(prefix="rel", formdata=None, note='Says "hi" & <waves>')
        optin = forms.OptInForm(prefix="optin", formdata=None, wording="Line one\nline <two>")
        household = forms.NewHouseholdForm(prefix="newhh", formdata=None, name="The O'Brien Family")
        for form in (blank, filled):
            form.type.choices = choices([("1:a", "parent of"), ("1:b", "child of"), ("2:a", "R&D <lead>")])
        filled.type.data = "1:b"
        blank.note.errors = ["Too long."]
        optin.source.errors = ["Say how they told us."]
        fields = [blank.type, blank.note, filled.type, filled.note, optin.status, optin.source, optin.wording,
                  household.name]
        for f in fields:
            wtforms_html, quick_html = render_template_string(both, f=f).split("@@")
            assert _controls(quick_html) == _controls(wtforms_html), f.id
        for f in (blank.other, filled.other):
            if f is blank.other:
                f.errors = ["Enter the other contact's name or number."]
            wtforms_html, quick_html = render_template_string(lookups, f=f).split("@@")
            assert _controls(quick_html)[1:] == _controls(wtforms_html), f.id  # [0]: the label
        assert 'aria-invalid="true"' in render_template_string(both, f=blank.note)
