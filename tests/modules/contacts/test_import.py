"""Importing contacts: the five steps through the test client with a messy
file, automatic and saved mappings, match rules, the job, the summary, the
failed rows, undo, XLSX, the CLI and permissions."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from rq import SimpleWorker

from app import settings
from app.extensions import db
from app.jobs.service import queue
from app.models import AuditEntry
from modules.contacts.lists import search
from modules.contacts.models import (
    Activity,
    ConsentEntry,
    Contact,
    ContactTag,
    CustomField,
    CustomValue,
    ImportChange,
    ImportMapping,
    ImportRun,
    Tag,
)
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.conftest import csrf_from, login, make_user

FILES = Path(__file__).parent / "files"


def work(app) -> None:
    """Run every queued job through RQ, as `flask worker` would."""
    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


def setup_org(app, *, existing: bool = True) -> dict:
    """GB numbers, a choice field, and an existing contact the file matches."""
    with app.app_context():
        settings.put("contacts", {"default_country": "GB"})
        field = CustomField(key="membership", label="Membership", type="choice", kinds=["person"],
                            choices=["Gold", "Silver"], position=1, active=True)
        db.session.add(field)
        db.session.flush()
        out = {"field": field.id}
        if existing:
            carl = records.create("person", {"first_name": "Carl", "last_name": "Existing", "notes": "Keep me",
                                             "pronouns": "he/him"},
                                  Details(emails=[{"email": "existing@example.org", "label": "", "is_primary": True}],
                                          addresses=[{"line1": "1 Old Road", "city": "York", "postcode": "YO1 1AA",
                                                      "country": "GB", "label": "", "is_primary": True}]))
            db.session.flush()
            out["carl"] = carl.id
        db.session.commit()
        return out


def found(query: str) -> set[int]:
    """Contact ids the quick-search index finds for `query`."""
    return {row[0] for row in db.session.execute(search.matching_ids(query))}


def upload(client, name: str, data: bytes):
    token = csrf_from(client, "/contacts/import/")
    return client.post("/contacts/import/", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def post(client, url: str, data: dict, page: str | None = None):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, page or url)})


def run_id(response) -> int:
    return int(re.search(r"/contacts/import/(\d+)", response.headers["Location"])[1])


def selects(html: str) -> dict[str, str]:
    """{column header: selected field key} from the mapping table."""
    out = {}
    for label, body in re.findall(r'<label for="col-\d+">([^<]*)</label>.*?<select[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[label] = chosen[1] if chosen else ""
    return out


def mapping_form(html: str) -> dict:
    """The mapping form as the page shows it, ready to post back."""
    data = {}
    for index, body in re.findall(r'<select id="col-(\d+)" name="col-\d+">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[f"col-{index}"] = chosen[1] if chosen else ""
    return data


def test_messy_file_through_all_five_steps(app, admin_client):
    ids = setup_org(app)
    client = admin_client
    # 1. upload: BOM, accented names, detected encoding and delimiter
    response = upload(client, "messy.csv", (FILES / "messy.csv").read_bytes())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    rid = run_id(response)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.encoding, run.delimiter, run.rows_total) == ("utf-8-sig", ",", 8)
        assert run.headers[0] == "First Name"  # the BOM is not part of the first header
    # 2. map: synonyms guessed and shown as guesses
    page = client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    chosen = selects(page)
    assert chosen == {"First Name": "first_name", "Surname": "last_name", "E-mail": "email", "Mobile": "mobile",
                      "Post code": "postcode", "Date of Birth": "birth_date", "Membership": "custom:membership",
                      "Notes": "notes", "Tags": "tags", "Organisation": "name"}
    assert page.count(">guessed<") == 10 and "Zoë" in page and "8 rows · UTF-8 (with BOM) · comma-separated" in page
    response = post(client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/import/{rid}/preview")
    # 3. preview: every row checked, problems next to their rows
    page = client.get(f"/contacts/import/{rid}/preview").get_data(as_text=True)
    assert "Checked 8 rows" in page and "4 valid" in page and "4 with problems" in page
    assert "“jose@example” is not a valid email address." in page
    assert "“31/02/1990” is not a date" in page
    assert "“not a phone” does not look like a phone number." in page
    assert "“Platinum”: not one of the choices (Gold, Silver)." in page
    assert "Same email as row 2 of this file; only the first is imported." in page
    assert "No name: a person needs a first or last name." in page
    assert "=HYPERLINK(&#34;http://evil.example/&#34;,&#34;click&#34;)" in page  # shown as text
    assert re.search(r"<strong>3 new</strong>.*<strong>1 match existing contacts</strong> \(updated\).*"
                     r"<strong>4 have problems</strong>", page, re.S)
    # 4. match rules: skip matches, then back to update
    page = client.get(f"/contacts/import/{rid}/match").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="email"', page)
    response = post(client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "skip",
                                                               "on_new": "create", "action": "check"})
    assert response.status_code == 303
    page = client.get(f"/contacts/import/{rid}/match").get_data(as_text=True)
    assert "<strong>1 match existing contacts</strong> (skipped)" in page
    # 5. run as a background job, with a progress page that polls
    response = post(client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "update",
                                                               "on_new": "create", "action": "start"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/contacts/import/{rid}")
    page = client.get(f"/contacts/import/{rid}").get_data(as_text=True)
    assert "Waiting to run" in page and 'hx-trigger="every 1s"' in page and '<meta http-equiv="refresh"' in page
    work(app)
    page = client.get(f"/contacts/import/{rid}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' not in page
    summary = dict(re.findall(r"<dt>(\w+)</dt><dd>([\d,]+)</dd>", page))
    assert summary == {"Created": "3", "Updated": "1", "Skipped": "0", "Failed": "4"}
    assert "Download the 4 failed rows (CSV)" in page and "Undo this import" in page
    fragment = client.get(f"/contacts/import/{rid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="import-status"' in fragment

    with app.app_context():
        by_name = {c.display_name: c for c in db.session.scalars(db.select(Contact))}
        zoe = by_name["Zoë Müller"]
        assert (zoe.email, zoe.phone, zoe.postcode, zoe.birth_date.isoformat()) == (
            "zoe@example.org", "+447700900123", "LS1 4AB", "1980-03-31")
        assert zoe.notes == '=HYPERLINK("http://evil.example/","click")'  # stored as typed
        assert by_name["Dora Brown"].notes == "trailing spaces" and by_name["Dora Brown"].first_name == "Dora"
        assert by_name["Acme Ltd"].kind == "organisation"
        assert {t.name for t in zoe.tags} == {"Volunteers"}
        values = {(v.contact_id, v.value_text) for v in db.session.scalars(db.select(CustomValue))}
        assert (zoe.id, "Gold") in values and (by_name["Dora Brown"].id, "Silver") in values
        # the matched contact: new values in, empty cells never overwrite, nothing else lost
        carl = db.session.get(Contact, ids["carl"])
        assert carl.phone == "+447700900999" and carl.birth_date.isoformat() == "1975-05-05"
        assert carl.notes == "Keep me" and carl.postcode == "YO1 1AA" and carl.pronouns == "he/him"
        assert {t.name for t in carl.tags} == {"Donors"}
        assert (carl.id, "Gold") in values
        # timeline, audit, changes for undo, search index
        subjects = {(a.contact_id, a.subject) for a in db.session.scalars(db.select(Activity))}
        assert (zoe.id, "Imported from messy.csv") in subjects and (carl.id, "Imported from messy.csv") in subjects
        audits = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "contacts_contact",
                                                                 AuditEntry.summary.like("%import #%"))).all()
        assert sorted(a.action for a in audits) == ["create", "create", "create", "update"]
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.object_type == "contacts_import", AuditEntry.summary.like("Imported messy.csv%"))) == 1
        assert {c.action for c in db.session.scalars(db.select(ImportChange))} == {"created", "updated"}
        assert found("muller") == {zoe.id}
        assert found("+44 7700 900123") == {zoe.id}

    # the failed rows, with the reason and formulas neutralised
    response = client.get(f"/contacts/import/{rid}/failures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "Problem" and rows[0][0] == "First Name" and len(rows) == 5
    by_first = {r[0]: r for r in rows[1:]}
    assert by_first["José"][1] == "Núñez" and "not a valid email address" in by_first["José"][-1]
    assert by_first["José"][7] == "'+44 is a number"
    assert by_first["Ann"][7] == "'@sum(A1)" and "Platinum" in by_first["Ann"][-1]
    assert by_first["Bob"][7] == "'-2+3" and "Row 5: E-mail: Same email as row 2" in by_first["Bob"][-1]
    assert by_first[""][-1].startswith("Row 8: No name")


def test_undo_restores_exactly(app, admin_client):
    ids = setup_org(app)
    with app.app_context():
        before = db.session.get(Contact, ids["carl"])
        snapshot = (before.phone, before.birth_date, before.notes, before.email, before.postcode,
                    [t.name for t in before.tags])
        contacts_before = db.session.scalar(db.select(db.func.count()).select_from(Contact))
    rid = run_id(upload(admin_client, "messy.csv", (FILES / "messy.csv").read_bytes()))
    page = admin_client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    post(admin_client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"})
    post(admin_client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "update",
                                                          "on_new": "create", "action": "start"})
    work(app)
    with app.app_context():
        created = [c.contact_id for c in db.session.scalars(db.select(ImportChange).where(
            ImportChange.action == "created"))]
        # someone works on one created contact after the import: it goes to the trash, not away
        worked = db.session.scalar(db.select(Contact).where(Contact.display_name == "Dora Brown"))
        db.session.add(Activity(contact_id=worked.id, kind="note", subject="Called Dora"))
        db.session.commit()
        worked_id = worked.id
    confirm = admin_client.get(f"/contacts/import/{rid}/undo").get_data(as_text=True)
    assert "The 3 contacts it created will be removed." in confirm
    response = post(admin_client, f"/contacts/import/{rid}/undo", {}, page=f"/contacts/import/{rid}/undo")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import undone: 2 contacts removed, 1 moved to the trash" in page and "1 restored" in page
    assert "This import was undone" in page and "Undo this import" not in page
    with app.app_context():
        carl = db.session.get(Contact, ids["carl"])
        assert (carl.phone, carl.birth_date, carl.notes, carl.email, carl.postcode,
                [t.name for t in carl.tags]) == snapshot
        assert [p.number for p in carl.phones] == []
        assert db.session.scalar(db.select(db.func.count()).select_from(CustomValue).where(
            CustomValue.contact_id == carl.id)) == 0
        live = db.session.scalars(db.select(Contact.id).where(Contact.deleted_at.is_(None))).all()
        assert len(live) == contacts_before
        assert db.session.get(Contact, worked_id).deleted_at is not None
        assert [cid for cid in created if cid != worked_id and db.session.get(Contact, cid)] == []
        # search index: nothing of the import left; Carl still found, without the import's phone
        assert found("muller") == set()
        assert found("dora") == set()
        assert found("existing") == {carl.id}
        assert found("+44 7700 900999") == set()
        assert db.session.get(ImportRun, rid).status == "undone"
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.summary.like("Undid the import%")))


def _start(client, rid: int, rule: str, on_match: str, on_new: str):
    page = client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    post(client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"})
    return post(client, f"/contacts/import/{rid}/match", {"match_rule": rule, "on_match": on_match,
                                                           "on_new": on_new, "action": "start"})


def test_match_by_name_and_postcode_with_update_skip_and_create(app, admin_client):
    setup_org(app, existing=False)
    with app.app_context():
        zoe_id = records.create("person", {"first_name": "Zoe", "last_name": "Muller"},
                                Details(addresses=[{"line1": "", "city": "Leeds", "postcode": "LS14AB",
                                                    "country": "GB", "label": "", "is_primary": True}])).id
        db.session.commit()
    data = ("First name,Last name,Zip,City\nZoë,Müller,LS1 4AB,Leeds Centre\nNew,Person,LS9 9ZZ,\n"
            "Zoe,Muller,LS1 4AB,Other\n").encode()
    rid = run_id(upload(admin_client, "people.csv", data))
    page = admin_client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    post(admin_client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"})
    post(admin_client, f"/contacts/import/{rid}/match", {"match_rule": "name_postcode", "on_match": "skip",
                                                          "on_new": "skip", "action": "check"})
    page = admin_client.get(f"/contacts/import/{rid}/match").get_data(as_text=True)
    assert "<strong>0 new</strong> (1 new rows skipped)" in page
    assert "Same name and postcode as row 2 of this file" in admin_client.get(
        f"/contacts/import/{rid}/preview").get_data(as_text=True)
    post(admin_client, f"/contacts/import/{rid}/match", {"match_rule": "name_postcode", "on_match": "update",
                                                          "on_new": "create", "action": "start"})
    work(app)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.created, run.updated, run.skipped, run.failed) == (1, 1, 0, 1)
        zoe = db.session.get(Contact, zoe_id)
        assert (zoe.city, zoe.first_name, zoe.last_name) == ("Leeds Centre", "Zoë", "Müller")
        assert db.session.scalar(db.select(Contact).where(Contact.last_name == "Person")) is not None


def test_skip_rules_change_nothing(app, admin_client):
    ids = setup_org(app)
    data = b"Email,First name,Last name,Notes\nexisting@example.org,Carl,Existing,New note\nnew@example.org,N,New,\n"
    rid = run_id(upload(admin_client, "skip.csv", data))
    _start(admin_client, rid, "email", "skip", "skip")
    work(app)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.created, run.updated, run.skipped, run.failed, run.status) == (0, 0, 2, 0, "finished")
        assert db.session.get(Contact, ids["carl"]).notes == "Keep me"
    # with "none" every row is new, even one that matches
    rid = run_id(upload(admin_client, "skip.csv", data))
    _start(admin_client, rid, "none", "update", "create")
    work(app)
    with app.app_context():
        assert db.session.get(ImportRun, rid).created == 2
        assert db.session.scalar(db.select(db.func.count()).select_from(Contact).where(
            Contact.email == "existing@example.org")) == 2


def test_latin1_semicolon_file_and_saved_mapping_reuse(app, admin_client):
    setup_org(app, existing=False)
    data = (FILES / "latin1-semicolon.csv").read_bytes()
    rid = run_id(upload(admin_client, "latin1.csv", data))
    page = admin_client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    assert "Windows-1252 / Latin-1 · semicolon-separated" in page and "Zoë" in page
    assert selects(page) == {"Given name": "first_name", "Family name": "last_name", "Email Address": "email",
                             "Tel": "phone", "Zip": "postcode"}
    form = mapping_form(page)
    form["col-3"] = ""  # do not import the phone
    response = post(admin_client, f"/contacts/import/{rid}/map", {**form, "action": "save",
                                                                  "mapping_name": "Leeds list"})
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.scalar(db.select(ImportMapping))
        assert saved.name == "Leeds list" and saved.columns["Tel"] == "" and saved.columns["Zip"] == "postcode"
        saved_id = saved.id
    # a second file with the same columns (different case) gets the saved choices
    other = "given name;FAMILY NAME;Email Address;Tel;Zip\nAnn;Lee;ann@example.org;0113 496 0002;LS1 1AA\n"
    rid2 = run_id(upload(admin_client, "again.csv", other.encode("cp1252")))
    assert selects(admin_client.get(f"/contacts/import/{rid2}/map").get_data(as_text=True))["Tel"] == "phone"
    response = post(admin_client, f"/contacts/import/{rid2}/map", {"action": "apply", "saved": saved_id},
                    page=f"/contacts/import/{rid2}/map")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Applied the saved mapping “Leeds list” to 5 of 5 columns." in page
    assert selects(page)["Tel"] == "" and selects(page)["given name"] == "first_name"
    # the mapping step refuses a field chosen twice, and a file without a name column
    bad = {**mapping_form(page), "col-1": "first_name", "action": "continue"}
    response = post(admin_client, f"/contacts/import/{rid2}/map", bad)
    assert response.status_code == 422
    assert "“First name” is chosen for both “given name” and “FAMILY NAME”." in response.get_data(as_text=True)
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        names = set(db.session.scalars(db.select(Contact.display_name)))
        assert names == {"Zoë Müller", "François Lefèvre"}


def test_xlsx_import(app, admin_client):
    from datetime import date

    from openpyxl import Workbook

    setup_org(app, existing=False)
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Birthday", "Membership", "Company"])
    sheet.append(["Zoë Müller", "zoe@example.org", date(1980, 3, 31), "Gold", None])
    sheet.append(["Formula Fan", "ff@example.org", None, "Silver", None])
    sheet["A3"] = "=CONCAT(\"Formula\",\" Fan\")"
    sheet.append([None, None, None, None, "Acme Ltd"])
    buffer = io.BytesIO()
    book.save(buffer)
    rid = run_id(upload(admin_client, "people.xlsx", buffer.getvalue()))
    page = admin_client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    assert "3 rows · Excel workbook" in page
    assert selects(page) == {"Name": "full_name", "Email": "email", "Birthday": "birth_date",
                             "Membership": "custom:membership", "Company": "name"}
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        people = {c.display_name: c for c in db.session.scalars(db.select(Contact))}
        assert people["Zoë Müller"].birth_date == date(1980, 3, 31) and people["Zoë Müller"].last_name == "Müller"
        assert people["Acme Ltd"].kind == "organisation"
        # a formula is imported as the text typed, never evaluated
        assert any(c.last_name == "Fan\")" for c in people.values())


def test_upload_problems_are_explained(app, admin_client):
    response = upload(admin_client, "empty.csv", b"")
    assert response.status_code == 422 and "The file is empty." in response.get_data(as_text=True)
    response = upload(admin_client, "only-header.csv", b"Name,Email\n")
    assert "The file has a header row but no data rows." in response.get_data(as_text=True)
    response = upload(admin_client, "old.xls", b"\xd0\xcf\x11\xe0rest")
    assert "This type of file cannot be imported." in response.get_data(as_text=True)
    response = upload(admin_client, "fake.xlsx", b"Name\nAnn\n")
    assert "is not an Excel workbook" in response.get_data(as_text=True)
    response = upload(admin_client, "broken.xlsx", b"PK\x03\x04garbage")
    assert "This workbook could not be opened." in response.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    try:
        response = upload(admin_client, "big.csv", b"Name\n" + b"x" * (3 * 1024 * 1024))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413
    assert "The file is too big: the limit is 2 MB." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ImportRun)) == 0


def test_import_permission(app, client):
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    login(client, "sam@example.org")
    assert client.get("/contacts/import/").status_code == 403
    token = csrf_from(client, "/contacts/")
    response = client.post("/contacts/import/", data={"csrf_token": token, "file": (io.BytesIO(b"a\nb\n"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert 'href="/contacts/import/"' not in client.get("/contacts/").get_data(as_text=True)


def test_the_list_links_to_the_import(admin_client):
    assert '<a class="button" href="/contacts/import/">Import</a>' in admin_client.get("/contacts/").get_data(
        as_text=True)


def test_opt_in_and_consent(app, admin_client):
    setup_org(app, existing=False)
    data = b"Name,Email,Newsletter,Do not call\nAnn Lee,ann@example.org,yes,y\nBo Ray,bo@example.org,maybe,\n"
    rid = run_id(upload(admin_client, "optin.csv", data))
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        ann = db.session.scalar(db.select(Contact).where(Contact.email == "ann@example.org"))
        assert ann.email_opt_in == "opted_in" and ann.do_not_phone is True
        consent = db.session.scalar(db.select(ConsentEntry))
        assert consent.contact_id == ann.id and consent.source == "Import: optin.csv"
        assert db.session.get(ImportRun, rid).failed == 1


def test_cli_import_and_dry_run(app, tmp_path):
    setup_org(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["contacts", "import", str(FILES / "messy.csv"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "8 rows: 3 new, 1 match existing contacts (update), 0 skipped, 4 have problems" in result.output
    assert "row 3: E-mail: “jose@example” is not a valid email address." in result.output
    assert "Dry run: nothing was changed." in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ImportRun)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 1
    result = runner.invoke(args=["contacts", "import", str(FILES / "messy.csv"), "--match", "name+postcode"])
    assert result.exit_code == 0, result.output
    # by name and postcode, the rows without a postcode match nothing and are new
    assert re.search(r"Import #\d+ of messy.csv: 5 created, 0 updated, 0 skipped, 3 failed.", result.output)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    result = runner.invoke(args=["contacts", "import", str(bad)])
    assert result.exit_code != 0 and "is not an Excel workbook" in result.output
    result = runner.invoke(args=["contacts", "import", str(tmp_path / "missing.csv")])
    assert result.exit_code != 0 and "cannot read" in result.output
    result = runner.invoke(args=["contacts", "import", str(FILES / "messy.csv"), "--mapping", "Nope"])
    assert result.exit_code != 0 and "no saved mapping named 'Nope'" in result.output


def test_tags_are_created_once_and_reused(app, admin_client):
    setup_org(app, existing=False)
    with app.app_context():
        db.session.add(Tag(name="Donors", colour="green"))
        db.session.commit()
    data = b"Name,Tags\nAnn Lee,\"donors, New Tag\"\nBo Ray,New tag;Donors\n"
    rid = run_id(upload(admin_client, "tags.csv", data))
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        tags = {t.name: t for t in db.session.scalars(db.select(Tag))}
        assert set(tags) == {"Donors", "New Tag"} and tags["Donors"].colour == "green"
        assert db.session.scalar(db.select(db.func.count()).select_from(ContactTag)) == 4


def test_an_erased_person_is_not_imported_again(app, admin_client):
    from modules.contacts.models import ContactEmail
    from modules.contacts.people.privacy import ERASED_LABEL, email_marker

    setup_org(app, existing=False)
    with app.app_context():
        tomb = records.create("person", {"last_name": "Erased"})
        db.session.flush()
        db.session.add(ContactEmail(contact_id=tomb.id, email=email_marker("gone@example.org"), label=ERASED_LABEL))
        db.session.commit()
    rid = run_id(upload(admin_client, "back.csv", b"Name,Email\nGone Again,Gone@example.org\nStays,new@example.org\n"))
    _start(admin_client, rid, "email", "update", "create")
    work(app)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        assert (run.created, run.failed) == (1, 1)
        assert b"personal data was erased" in run.failures_csv


def test_an_import_that_stopped_can_be_undone(app, admin_client):
    setup_org(app)
    rid = run_id(upload(admin_client, "messy.csv", (FILES / "messy.csv").read_bytes()))
    page = admin_client.get(f"/contacts/import/{rid}/map").get_data(as_text=True)
    post(admin_client, f"/contacts/import/{rid}/map", {**mapping_form(page), "action": "continue"})
    post(admin_client, f"/contacts/import/{rid}/match", {"match_rule": "email", "on_match": "update",
                                                          "on_new": "create", "action": "start"})
    work(app)
    with app.app_context():
        run = db.session.get(ImportRun, rid)
        run.status = "failed"  # as if the worker had died after its first chunk
        db.session.commit()
        created = db.session.scalars(db.select(ImportChange.contact_id).where(
            ImportChange.import_id == rid, ImportChange.action == "created")).all()
    status = admin_client.get(f"/contacts/import/{rid}").get_data(as_text=True)
    assert "The import stopped with an error" in status and "Undo this import" in status
    response = post(admin_client, f"/contacts/import/{rid}/undo", {}, page=f"/contacts/import/{rid}/undo")
    assert response.status_code == 303
    with app.app_context():
        assert created and all(db.session.get(Contact, cid) is None for cid in created)
        assert db.session.get(ImportRun, rid).status == "undone"
