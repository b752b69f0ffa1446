"""How letters greet and address a contact (issue 16, part 4): the rules
for people, households and organisations (through their primary contact),
and each contact's own greeting and addressee, which win. Set in the edit
form (under the edit-conflict guard), shown on the contact page, imported
and exported."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import event

from app.extensions import db
from modules.contacts.models import Contact, Relationship, RelationshipType
from modules.contacts.people import addressing, records, relations
from tests.conftest import login
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors


def person(first, last, **values) -> Contact:
    contact = records.create("person", {"first_name": first, "last_name": last, **values})
    db.session.flush()
    return contact


def organisation(name="Acme Ltd", **values) -> Contact:
    contact = records.create("organisation", {"name": name, **values})
    db.session.flush()
    return contact


def employ(org: Contact, *people: Contact) -> None:
    employer = db.session.scalar(db.select(RelationshipType).where(RelationshipType.key == "employer"))
    for someone in people:
        relations.add_relationship(org, f"{employer.id}:a", someone)
    db.session.flush()


def test_people_are_greeted_by_first_name_else_formally(ctx):
    assert addressing.of(person("Grace", "Hopper", prefix="Dr")) == addressing.Addressing("Grace", "Dr Grace Hopper")
    assert addressing.of(person("Grace", "Hopper", preferred_name="Amazing")).salutation == "Amazing"
    assert addressing.of(person("", "Hopper", prefix="Dr")).salutation == "Dr Hopper"


def test_an_organisation_is_greeted_through_its_primary_contact_or_as_friends(ctx):
    acme = organisation("Price, Abbott and Perry")
    assert addressing.of(acme) == addressing.Addressing("friends at Price, Abbott and Perry",
                                                        "Price, Abbott and Perry")
    grace, alan = person("Grace", "Hopper"), person("Alan", "Turing")
    employ(acme, alan, grace)
    assert addressing.of(acme).salutation == "friends at Price, Abbott and Perry"  # linked is not primary
    assert relations.set_primary_contact(acme, grace.id) == {"primary_contact": ("", "Grace Hopper")}
    found = addressing.of(acme)
    assert (found.salutation, found.addressee, found.via.id) == ("Grace", "Grace Hopper, Price, Abbott and Perry",
                                                                 grace.id)
    # One primary at a time; a trashed person is nobody's primary contact.
    relations.set_primary_contact(acme, alan.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Relationship)
                             .where(Relationship.is_primary.is_(True))) == 1
    assert addressing.of(acme).salutation == "Alan"
    records.trash([alan])
    db.session.flush()
    assert addressing.of(acme).salutation == "friends at Price, Abbott and Perry"


def test_a_household_is_greeted_by_its_members_first_names(ctx):
    grace = person("Grace", "Hopper")
    home = relations.create_household(grace)
    assert home.display_name == "The Hopper Family"
    assert addressing.of(home) == addressing.Addressing("Grace", "The Hopper Family")
    relations.join_household(person("Walter", "Hopper"), home)
    assert addressing.of(home).salutation == "Grace and Walter"
    relations.join_household(person("Mary", "Hopper"), home)
    assert addressing.of(home).salutation == "Grace, Mary and Walter"
    relations.join_household(person("Ann", "Hopper"), home)
    # Four are too many to list: the household's name, without "The".
    assert addressing.of(home) == addressing.Addressing("Hopper Family", "The Hopper Family")


def test_a_contacts_own_greeting_and_addressee_win_over_every_rule(ctx):
    grace = person("Grace", "Hopper", prefix="Dr", salutation="Dr Hopper", addressee="Dr and Mr Hopper")
    assert addressing.of(grace) == addressing.Addressing("Dr Hopper", "Dr and Mr Hopper")
    acme = organisation(salutation="Colleagues", addressee="Accounts Payable, Acme Ltd")
    employ(acme, grace)
    relations.set_primary_contact(acme, grace.id)
    found = addressing.of(acme)
    assert (found.salutation, found.addressee) == ("Colleagues", "Accounts Payable, Acme Ltd")
    plain = organisation("Initech")
    employ(plain, grace)
    relations.set_primary_contact(plain, grace.id)
    # The primary contact's own greeting and addressee carry through.
    assert addressing.of(plain) == addressing.Addressing("Dr Hopper", "Dr and Mr Hopper, Initech", grace)


def test_a_batch_is_addressed_as_each_contact_alone_in_two_queries(ctx):
    """`of_many` (a campaign's batch): the same answers as `of`, for every
    kind at once, in two queries however many households and organisations."""
    grace, walter, alan = person("Grace", "Hopper"), person("Walter", "Hopper"), person("Alan", "Turing")
    home = relations.create_household(grace)
    relations.join_household(walter, home)
    lonely = relations.create_household(person("Ada", "Lovelace"))
    acme, initech, empty = organisation(), organisation("Initech"), organisation("Nobody Ltd")
    employ(acme, alan, grace)
    relations.set_primary_contact(acme, grace.id)
    employ(initech, alan)
    relations.set_primary_contact(initech, alan.id)
    overridden = person("Sam", "Jones", salutation="Sam and family")
    everyone = [grace, walter, alan, home, lonely, acme, initech, empty, overridden]
    db.session.flush()
    queries = []
    sql_event = "before_cursor_execute"
    listener = lambda *args, **kw: queries.append(args[2])  # noqa: E731
    event.listen(db.engine, sql_event, listener)
    try:
        many = addressing.of_many(everyone)
    finally:
        event.remove(db.engine, sql_event, listener)
    assert len(queries) == 2
    assert many == {c.id: addressing.of(c) for c in everyone}
    assert many[home.id].salutation == "Grace and Walter"
    assert many[acme.id].addressee == "Grace Hopper, Acme Ltd" and many[initech.id].salutation == "Alan"
    assert many[empty.id].salutation == "friends at Nobody Ltd" and many[overridden.id].salutation == "Sam and family"


def _org_with_people(app) -> tuple[int, int, int]:
    with app.app_context():
        acme = organisation()
        grace, alan = person("Grace", "Hopper"), person("Alan", "Turing")
        employ(acme, grace, alan)
        db.session.commit()
        return acme.id, grace.id, alan.id


def test_the_edit_form_sets_greeting_addressee_and_primary_contact(app, client, admin):
    acme_id, grace_id, _ = _org_with_people(app)
    login(client, admin.email)
    url = f"/contacts/{acme_id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert '<legend>In letters</legend>' in html
    assert re.search(r'<select[^>]*name="primary_contact"', html)
    assert "Alan Turing</option>" in html and "Grace Hopper</option>" in html
    data = changed(form_data(html, url), salutation="", addressee="", primary_contact=str(grace_id))
    assert client.post(url, data=data).status_code == 303
    page_html = client.get(f"/contacts/{acme_id}").get_data(as_text=True)
    assert "“Dear Grace,”" in page_html and "Grace Hopper, Acme Ltd" in page_html
    assert '<span class="badge info">Primary contact</span>' in page_html

    data = changed(form_data(client.get(url).get_data(as_text=True), url), salutation="Accounts team",
                   addressee="Accounts Payable, Acme Ltd")
    assert client.post(url, data=data).status_code == 303
    with app.app_context():
        stored = db.session.get(Contact, acme_id)
        assert (stored.salutation, stored.addressee) == ("Accounts team", "Accounts Payable, Acme Ltd")
    page_html = client.get(f"/contacts/{acme_id}").get_data(as_text=True)
    assert "“Dear Accounts team,”" in page_html and "set by hand" in page_html

    # Someone not linked to the organisation cannot be chosen.
    with app.app_context():
        stranger = person("Ada", "Lovelace")
        db.session.commit()
        stranger_id = stranger.id
    data = changed(form_data(client.get(url).get_data(as_text=True), url), primary_contact=str(stranger_id))
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "Choose someone linked to the organisation." in refused.get_data(as_text=True)


def test_two_editors_greeting_changes_merge_and_clash_like_any_field(app):
    acme_id, grace_id, alan_id = _org_with_people(app)
    first, second = two_editors(app)
    url = f"/contacts/{acme_id}/edit"
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    assert first.post(url, data=changed(form_a, salutation="Team", primary_contact=str(grace_id))).status_code \
        == 303
    # The second changes only the addressee: both changes stand.
    saved = second.post(url, data=changed(form_b, addressee="Acme Ltd, Accounts"), follow_redirects=True)
    assert "changes to Greeting, Primary contact were kept" in saved.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Contact, acme_id)
        assert (stored.salutation, stored.addressee) == ("Team", "Acme Ltd, Accounts")
        assert addressing.primary_contact(stored).id == grace_id
    # Both change the primary contact, differently: a conflict naming what the other chose.
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    assert first.post(url, data=changed(form_a, primary_contact=str(alan_id))).status_code == 303
    clash = second.post(url, data=changed(form_b, primary_contact=""))
    assert clash.status_code == 409
    assert re.search(r'<p class="edit-theirs">Alan Turing</p>', clash.get_data(as_text=True))
    with app.app_context():
        assert addressing.primary_contact(db.session.get(Contact, acme_id)).id == alan_id


def test_greeting_and_addressee_are_imported_updated_by_import_and_exported(app, admin, tmp_path):
    from modules.contacts.importer import mapping

    with app.app_context():
        guessed = mapping.guess(["First name", "Last name", "Salutation", "Addressee", "Title"], mapping.targets())
    assert guessed == {"First name": "first_name", "Last name": "last_name", "Salutation": "salutation",
                       "Addressee": "addressee", "Title": "prefix"}
    runner = app.test_cli_runner()
    new = tmp_path / "new.csv"
    new.write_text("First name,Last name,Email,Salutation,Addressee\r\n"
                   "Grace,Hopper,grace@example.org,Dr Hopper,Dr and Mr Hopper\r\n"
                   "Alan,Turing,alan@example.org,,\r\n", encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(new)])
    assert result.exit_code == 0 and "2 created" in result.output, result.output
    # A matched contact gets the file's addressee; an empty cell changes nothing.
    update = tmp_path / "update.csv"
    update.write_text("Last name,Email,Salutation,Addressee\r\nTuring,alan@example.org,,Professor A. M. Turing\r\n"
                      "Hopper,grace@example.org,,\r\n", encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(update)])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    with app.app_context():
        stored = {c.first_name: (c.salutation, c.addressee) for c in db.session.scalars(db.select(Contact))}
    assert stored == {"Grace": ("Dr Hopper", "Dr and Mr Hopper"), "Alan": ("", "Professor A. M. Turing")}
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["contacts", "export", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert sorted((r["First name"], r["Salutation"], r["Addressee"]) for r in rows) == [
        ("Alan", "", "Professor A. M. Turing"), ("Grace", "Dr Hopper", "Dr and Mr Hopper")]


def test_the_personal_data_download_holds_them_and_erasure_clears_them(ctx):
    from modules.contacts.people import privacy

    grace = person("Grace", "Hopper", salutation="Dr Hopper", addressee="Dr and Mr Hopper")
    db.session.commit()
    held = privacy.export_data(grace)["contact"]
    assert (held["salutation"], held["addressee"]) == ("Dr Hopper", "Dr and Mr Hopper")
    privacy.erase(grace)
    db.session.commit()
    erased = db.session.get(Contact, grace.id)
    assert (erased.salutation, erased.addressee) == ("", "")
    assert addressing.of(erased).addressee == f"Erased contact #{grace.id}"


def test_demo_organisations_with_employees_are_written_to_through_one_of_them(app):
    result = app.test_cli_runner().invoke(args=["seed", "--contacts", "300"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from modules.contacts.models import ORGANISATION

        orgs = db.session.scalars(db.select(Contact).where(Contact.kind == ORGANISATION)).all()
        with_people = [org for org in orgs if relations.linked_people(org)]
        assert with_people
        for org in with_people:
            found = addressing.of(org)
            assert found.via is not None and found.addressee == f"{found.via.display_name}, {org.display_name}"
            assert not found.salutation.startswith("friends at")
        primaries = db.session.scalars(db.select(Relationship.contact_a_id).where(Relationship.is_primary)).all()
        assert len(primaries) == len(set(primaries)) == len(with_people)  # one each
