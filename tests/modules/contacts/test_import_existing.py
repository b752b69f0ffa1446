"""The import and the new-contact form agree on who is already there
(people/existing.py): a row is an existing contact by the import's rule, and
a row the import would create although someone has its email, or its name at
its postcode, is counted and listed in the preview (issue 16, part 2)."""

from __future__ import annotations

import re

from app.extensions import db
from modules.contacts.dedupe import duplicates
from modules.contacts.models import Contact, ImportChange, ImportRun
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.modules.contacts.test_import import mapping_form, post, run_id, upload, work

CSV = ("First name,Last name,Email,Postcode\n"
       "Ann,Smith,ann@example.org,LS1 1AA\n"        # row 2: Ann's email
       "Bób,Jones,bob.new@example.org,m1 1aa\n"     # row 3: Bob's name at Bob's postcode, another email
       "Carla,New,carla@example.org,LS1 1AA\n"      # row 4: someone new
       "Anne-Marie,Other,BOB@example.org,EH1 1AA\n"  # row 5: Bob's email, another name
       ).encode()


def _setup(app) -> dict[str, int]:
    with app.app_context():
        out = {}
        for first, last, email, postcode in (("Ann", "Smith", "ann@example.org", "LS1 1AA"),
                                             ("Bob", "Jones", "bob@example.org", "M1 1AA")):
            contact = records.create("person", {"first_name": first, "last_name": last}, Details(
                emails=[{"email": email, "label": "", "is_primary": True}],
                addresses=[{"line1": "1 Road", "city": "Town", "postcode": postcode, "country": "GB", "label": "",
                            "is_primary": True}]))
            db.session.flush()
            out[first] = contact.id
        db.session.commit()
        return out


def _to_preview(app, client) -> int:
    response = upload(client, "people.csv", CSV)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    rid = run_id(response)
    page = client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    assert post(client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"}).status_code == 303
    return rid


def _rules(client, rid: int, rule: str, action: str = "check", on_match: str = "update"):
    return post(client, f"/contacts/import/{rid}/match",
                {"match_rule": rule, "on_match": on_match, "on_new": "create", "action": action})


def _similar_rows(page: str) -> list[tuple[str, str, str, str]]:
    section = page[page.index('id="imp-similar"'):]
    section = section[:section.index("</section>")]
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", section, re.S) if "<td" in row]


def _contacts(app) -> dict[str, tuple[int, str]]:
    with app.app_context():
        return {c.display_name: (c.id, c.email) for c in db.session.scalars(db.select(Contact).order_by(Contact.id))}


def test_by_email_a_name_and_postcode_match_is_flagged_then_created(app, admin_client):
    ids = _setup(app)
    rid = _to_preview(app, admin_client)
    page = admin_client.get(f"/contacts/import/{rid}/preview").get_data(as_text=True)
    assert re.search(r"<strong>2 new</strong>.*<strong>2 match existing contacts</strong> \(updated\)", page, re.S)
    assert "<strong>1 of the new rows looks like an existing contact</strong>" in page
    assert _similar_rows(page) == [("3", "Bób Jones", "Open Bob Jones", "same name at postcode M1 1AA")]
    assert f'<a href="/contacts/{ids["Bob"]}">Open Bob Jones</a>' in page
    assert page.count("looks like an existing contact</span>") == 1
    # The match rules page says it too, with a link to the list.
    page = admin_client.get(f"/contacts/import/{rid}/match").get_data(as_text=True)
    assert f'href="/contacts/import/{rid}/preview#imp-similar"' in page

    # Matches skipped, so Ann and Bob stay as they are; the two new rows are created,
    # Bób Jones (the one flagged) too.
    assert _rules(admin_client, rid, "email", "start", on_match="skip").status_code == 303
    work(app)
    people = _contacts(app)
    assert people == {"Ann Smith": (ids["Ann"], "ann@example.org"), "Bob Jones": (ids["Bob"], "bob@example.org"),
                      "Bób Jones": (people["Bób Jones"][0], "bob.new@example.org"),
                      "Carla New": (people["Carla New"][0], "carla@example.org")}
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.created, run.updated, run.skipped, run.failed) == (2, 0, 2, 0)
        changes = {(c.contact_id, c.action) for c in db.session.scalars(db.select(ImportChange))}
        assert changes == {(people["Bób Jones"][0], "created"), (people["Carla New"][0], "created")}
        # The duplicate it was warned about is in the duplicates queue.
        new_bob = records.load(people["Bób Jones"][0])
        assert (ids["Bob"], new_bob.id) in [c.ids for c in duplicates.for_contact(new_bob)]


def test_by_name_and_postcode_an_email_match_is_flagged(app, admin_client):
    ids = _setup(app)
    rid = _to_preview(app, admin_client)
    assert _rules(admin_client, rid, "name_postcode").status_code == 303
    page = admin_client.get(f"/contacts/import/{rid}/preview").get_data(as_text=True)
    assert re.search(r"<strong>2 new</strong>.*<strong>2 match existing contacts</strong> \(updated\)", page, re.S)
    assert _similar_rows(page) == [("5", "Anne-Marie Other", "Open Bob Jones", "same email bob@example.org")]
    assert _rules(admin_client, rid, "name_postcode", "start").status_code == 303
    work(app)
    people = _contacts(app)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.created, run.updated, run.skipped, run.failed) == (2, 1, 1, 0)  # Ann's row changed nothing
    # Ann and Bob matched by name and postcode (Bób folds to Bob), Carla and the flagged row created.
    assert {name: cid for name, (cid, _) in people.items()} == {
        "Ann Smith": ids["Ann"], "Bób Jones": ids["Bob"], "Carla New": people["Carla New"][0],
        "Anne-Marie Other": people["Anne-Marie Other"][0]}
    assert people["Anne-Marie Other"][1] == "bob@example.org"


def test_without_matching_every_row_that_is_already_there_is_flagged(app, admin_client):
    _setup(app)
    rid = _to_preview(app, admin_client)
    assert _rules(admin_client, rid, "none").status_code == 303
    page = admin_client.get(f"/contacts/import/{rid}/preview").get_data(as_text=True)
    assert "<strong>4 new</strong>" in page
    assert "<strong>3 of the new rows look like existing contacts</strong>" in page
    assert [row[0] for row in _similar_rows(page)] == ["2", "3", "5"]
    assert _similar_rows(page)[0] == ("2", "Ann Smith", "Open Ann Smith",
                                      "same email ann@example.org, same name at postcode LS1 1AA")


def test_the_cli_dry_run_lists_them(app, tmp_path):
    ids = _setup(app)
    path = tmp_path / "people.csv"
    path.write_bytes(CSV)
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "4 rows: 2 new, 2 match existing contacts (update)" in result.output
    assert ("1 of the new rows looks like an existing contact and would be created as new:\n"
            f"  row 3: looks like Bob Jones (#{ids['Bob']}): same name at postcode M1 1AA\n") in result.output
    assert len(_contacts(app)) == 2
