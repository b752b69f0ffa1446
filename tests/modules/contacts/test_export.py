"""Exports: the list, a selection and a segment, as CSV and XLSX; every field
in a re-importable layout; formula neutralisation; permissions; audit;
large exports as a background job with a file to download."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import event

from app.extensions import db
from app.models import AuditEntry, Job, User
from modules.contacts.lists import export
from modules.contacts.models import CustomField, CustomValue, Segment
from modules.contacts.people import records, relations
from modules.contacts.people.records import Details
from tests.conftest import csrf_from, login, make_user
from tests.modules.contacts.test_listing import person

FORMULAS = ("=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+SUM(A1:A9)", "@SUM(1)")


def _rich(app) -> dict:
    """Two people in Leeds (one with several emails, phones and addresses,
    tags and custom values) and one in York."""
    with app.app_context():
        colour = CustomField(key="colour", label="Favourite colour", type="choice", kinds=["person"],
                             choices=["Red", "Blue"], position=1)
        rooms = CustomField(key="rooms", label="Rooms", type="multi_choice", kinds=["person"],
                            choices=["Hall", "Lab", "Gym"], position=2)
        since = CustomField(key="since", label="Member since", type="number", kinds=["person"], position=3)
        db.session.add_all([colour, rooms, since])
        ann = records.create("person", {"first_name": "Ann", "last_name": "Smith", "prefix": "Dr",
                                         "notes": "Likes tea", "pronouns": "she/her",
                                         "owner_id": db.session.scalar(db.select(User.id))}, Details(
            emails=[{"email": "ann@example.org", "label": "home", "is_primary": True},
                    {"email": "ann@work.example", "label": "work", "is_primary": False}],
            phones=[{"number": "+441632960001", "label": "", "is_primary": True},
                    {"number": "+441632960002", "label": "", "is_primary": False}],
            addresses=[{"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB", "label": "",
                        "is_primary": True},
                       {"line1": "2 Low Rd", "city": "Otley", "postcode": "LS21 1BB", "country": "GB", "label": "",
                        "is_primary": False}]))
        bea = person("Bea", "Jones", email="bea@example.org", city="Leeds")
        cy = person("Cy", "Brown", email="cy@example.org", city="York")
        db.session.flush()
        db.session.add_all([CustomValue(contact_id=ann.id, field_id=colour.id, value_text="Blue"),
                            CustomValue(contact_id=ann.id, field_id=rooms.id, value_text="Hall"),
                            CustomValue(contact_id=ann.id, field_id=rooms.id, value_text="Gym"),
                            CustomValue(contact_id=ann.id, field_id=since.id, value_number=Decimal("2019"))])
        for name in ("Donor", "Volunteer"):
            relations.add_tag(ann, relations.find_or_create_tag(name))
        db.session.commit()
        return {"Ann": ann.id, "Bea": bea.id, "Cy": cy.id}


def _csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _xlsx(response) -> tuple[list[str], list[dict]]:
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def post_export(client, data: dict, page: str = "/contacts/"):
    return client.post("/contacts/export", data={**data, "csrf_token": csrf_from(client, page)})


def test_the_filtered_list_as_csv_has_every_field_and_only_its_rows(app, admin_client):
    ids = _rich(app)
    page = admin_client.get("/contacts/?f=city:is:Leeds").get_data(as_text=True)
    assert "/contacts/export?f=city:is:Leeds" in page and "Export this list" in page
    confirm = admin_client.get("/contacts/export?f=city:is:Leeds").get_data(as_text=True)
    assert "Export 2 contacts?" in confirm and 'hx-boost="false"' in confirm and "Town or city is Leeds" in confirm
    response = post_export(admin_client, {"f": "city:is:Leeds", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"] and ".csv" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert [r["ID"] for r in rows] == [str(ids["Ann"]), str(ids["Bea"])]
    ann = rows[0]
    assert ann["Name"] == "Dr Ann Smith" and ann["Kind"] == "Person"
    assert (ann["First name"], ann["Last name"], ann["Prefix"], ann["Pronouns"]) == ("Ann", "Smith", "Dr", "she/her")
    assert (ann["Email"], ann["Email 2"]) == ("ann@example.org", "ann@work.example")
    assert (ann["Phone"], ann["Phone 2"]) == ("+441632960001", "+441632960002")  # as typed: only a number
    assert (ann["Address line 1"], ann["City"], ann["Postcode"], ann["Country"]) == (
        "1 High St", "Leeds", "LS1 1AA", "GB")
    assert (ann["Address 2 line 1"], ann["Address 2 city"], ann["Address 2 postcode"]) == (
        "2 Low Rd", "Otley", "LS21 1BB")
    assert ann["Tags"] == "Donor, Volunteer" and ann["Notes"] == "Likes tea"
    assert (ann["Favourite colour"], ann["Rooms"], ann["Member since"]) == ("Blue", "Hall; Gym", "2019")
    assert (ann["Do not email"], ann["Email opt-in"], ann["Owner"]) == ("No", "Unknown", "Ada Admin")
    assert rows[1]["Email 2"] == "" and rows[1]["Favourite colour"] == ""
    assert export.unneutralise(ann["Phone"]) == "+441632960001"


def test_a_selection_as_xlsx_through_the_bulk_action(app, admin_client):
    ids = _rich(app)
    confirm = admin_client.get(f"/contacts/bulk?action=export&scope=selected&ids={ids['Cy']}&ids={ids['Ann']}")
    assert "Download XLSX" in confirm.get_data(as_text=True)
    response = admin_client.post("/contacts/bulk", data={
        "action": "export", "scope": "selected", "ids": [ids["Cy"], ids["Ann"]], "format": "xlsx",
        "csrf_token": csrf_from(admin_client, "/contacts/")})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert ".xlsx" in response.headers["Content-Disposition"]
    headers, rows = _xlsx(response)
    assert headers[:3] == ["Name", "Kind", "Email"] and "Email 2" in headers and "Rooms" in headers
    assert [r["Name"] for r in rows] == ["Dr Ann Smith", "Cy Brown"]
    assert rows[0]["Rooms"] == "Hall; Gym" and rows[1]["City"] == "York"
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.summary == "Exported 2 contacts to XLSX (a selection)"
        assert entry.changes["rows"] == ["", 2] and entry.changes["format"] == ["", "xlsx"]
        assert entry.changes["ids"][1] == f"{ids['Ann']}, {ids['Cy']}"


def test_a_segment_in_both_formats_and_from_the_segment_list(app, admin_client, admin):
    ids = _rich(app)
    with app.app_context():
        segment = Segment(name="Yorkies", filters={"q": "", "f": ["city:is:York"], "match": "all"},
                          owner_id=admin.id)
        db.session.add(segment)
        db.session.commit()
        segment_id = segment.id
    listing = admin_client.get("/contacts/segments").get_data(as_text=True)
    assert f"/contacts/export?segment_id={segment_id}" in listing
    confirm = admin_client.get(f"/contacts/export?segment_id={segment_id}").get_data(as_text=True)
    assert "The segment “Yorkies”" in confirm and "Export 1 contact?" in confirm
    rows = _csv(post_export(admin_client, {"segment_id": segment_id, "format": "csv"}))
    assert [r["ID"] for r in rows] == [str(ids["Cy"])]
    _, xrows = _xlsx(post_export(admin_client, {"segment_id": segment_id, "format": "xlsx"}))
    assert [r["Name"] for r in xrows] == ["Cy Brown"]
    with app.app_context():
        summaries = db.session.scalars(db.select(AuditEntry.summary).where(AuditEntry.action == "export")
                                       .order_by(AuditEntry.id)).all()
        assert summaries == ["Exported 1 contacts to CSV (the segment “Yorkies”)",
                             "Exported 1 contacts to XLSX (the segment “Yorkies”)"]


def test_formulas_are_neutralised_in_csv_and_xlsx(app, admin_client):
    with app.app_context():
        records.create("person", {"first_name": FORMULAS[0], "last_name": "Smith", "notes": FORMULAS[1],
                                  "source": FORMULAS[2], "pronouns": FORMULAS[3]},
                       Details(addresses=[{"line1": "\tTabbed", "city": "@Leeds", "postcode": "-1", "country": "",
                                           "label": "", "is_primary": True}]))
        db.session.commit()
    row = _csv(post_export(admin_client, {"format": "csv"}))[0]
    assert row["First name"] == "'" + FORMULAS[0] and row["Name"] == "'" + FORMULAS[0] + " Smith"
    assert (row["Notes"], row["Source"], row["Pronouns"]) == tuple("'" + f for f in FORMULAS[1:])
    # Plainly a number: nothing a spreadsheet could run, so written as it is.
    assert (row["Address line 1"], row["City"], row["Postcode"]) == ("'\tTabbed", "'@Leeds", "-1")
    response = post_export(admin_client, {"format": "xlsx"})
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    # Every cell is typed as text, so nothing is evaluated and no apostrophe is needed.
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    values = {sheet.cell(1, c.column).value: c.value for c in cells}
    assert values["First name"] == FORMULAS[0] and values["Notes"] == FORMULAS[1]
    assert values["Source"] == FORMULAS[2] and values["Pronouns"] == "@SUM(1)" and values["City"] == "@Leeds"


def test_only_plain_numbers_and_phones_escape_neutralising():
    plain = ("+15245550138", "+44 1632 960001", "+1 (202) 555-0143", "-2", "+1.5", "-0,75")
    formulas = ("+1+cmd|' /C calc'!A0", "=1+1", "-2+SUM(A1)", "@A1", "+15245550138=", "+1 202 HYPERLINK(x)",
                "\t12", "-")
    assert [export.safe_cell(v) for v in plain] == list(plain)
    assert [export.safe_cell(v) for v in formulas] == ["'" + v for v in formulas]
    assert [export.unneutralise(export.safe_cell(v)) for v in plain + formulas] == list(plain + formulas)


def test_export_needs_the_export_permission(app, client):
    make_user(app)
    ids = _rich(app)
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    assert client.get("/contacts/export").status_code == 403
    assert post_export(client, {"format": "csv"}).status_code == 403
    assert client.post("/contacts/bulk", data={"action": "export", "scope": "selected", "ids": [ids["Ann"]],
                                               "csrf_token": csrf_from(client, "/contacts/")}).status_code == 403
    assert "Export this list" not in client.get("/contacts/").get_data(as_text=True)
    assert "/contacts/export" not in client.get("/contacts/segments").get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "export"))
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "denied"))


def test_unreadable_rules_are_refused(app, admin_client):
    _rich(app)
    page = admin_client.get("/contacts/export?f=city:is:York&f=gone:is:1").get_data(as_text=True)
    assert "cannot be exported as it is" in page and "Download" not in page
    response = post_export(admin_client, {"f": ["city:is:York", "gone:is:1"]})
    assert response.status_code == 303


def test_large_exports_run_as_a_job_and_only_their_creator_downloads_them(app, admin_client, monkeypatch):
    ids = _rich(app)
    monkeypatch.setattr(export, "BACKGROUND_OVER", 2)
    monkeypatch.setattr(export, "CHUNK", 2)
    confirm = admin_client.get("/contacts/export").get_data(as_text=True)
    assert "More than 2 contacts" in confirm and "Prepare the file" in confirm
    response = post_export(admin_client, {"format": "xlsx"})
    assert response.status_code == 303 and "/contacts/exports/" in response.headers["Location"]
    waiting = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Export 3 contacts to XLSX" in waiting and 'hx-trigger="every 2s"' in waiting
    with app.app_context():
        from app import jobs

        job = db.session.scalar(db.select(Job))
        assert job.kind == "contacts.export"
        jobs.run(job.id)
        job = db.session.get(Job, job.id)
        assert job.status == "finished", job.error
        assert job.result == {"rows": 3, "format": "xlsx", "file": f"{job.id}.xlsx"}
        assert (job.done, job.total) == (3, 3)
        job_id = job.id
        assert export.job_file(job_id, "xlsx").exists()
        assert db.session.scalar(db.select(AuditEntry.summary).where(AuditEntry.action == "export")) == (
            "Exported 3 contacts to XLSX (the whole list)")
    done = admin_client.get(f"/contacts/exports/{job_id}").get_data(as_text=True)
    assert f"/contacts/exports/{job_id}/download" in done and "every 2s" not in done
    download = admin_client.get(f"/contacts/exports/{job_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    _, rows = _xlsx(download)
    assert sorted(int(r["ID"]) for r in rows) == sorted(ids.values())
    # someone else with the export permission but not the creator, nor a contacts admin: not theirs
    with app.app_context():
        from app.models import Role, RolePermission

        role = Role(name="Exporter", grants=[RolePermission(permission=p) for p in (
            "core.dashboard", "contacts.view", "contacts.export")])
        db.session.add(role)
        db.session.commit()
        make_user(app, "exp@example.org", name="Ed Exporter", role=role)
    other = app.test_client()
    login(other, "exp@example.org")
    assert other.get(f"/contacts/exports/{job_id}").status_code == 404
    assert other.get(f"/contacts/exports/{job_id}/download").status_code == 404


def test_queries_per_export_do_not_grow_with_the_rows(app, ctx, monkeypatch):
    from modules.contacts.models import Contact

    monkeypatch.setattr(export, "CHUNK", 1000)
    _rich_in_context()

    def count_queries(n_people: int) -> int:
        for i in range(n_people):
            person(f"P{i}", "Many", email=f"p{i}@example.org", city="Hull")
        db.session.commit()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            out = io.BytesIO()
            export.write(db.select(Contact.id).where(Contact.deleted_at.is_(None)), "csv", out)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    assert count_queries(5) == count_queries(40)


def _rich_in_context():
    db.session.add(CustomField(key="k", label="K", type="text", kinds=["person"]))
    db.session.commit()


def test_the_headers_map_themselves_in_the_importer(app, ctx):
    from modules.contacts.importer import mapping

    db.session.add(CustomField(key="colour", label="Favourite colour", type="text", kinds=["person"]))
    db.session.commit()
    lay = export.layout(db.select(User.id).where(User.id.is_(None)))
    lay.emails = 2
    guessed = mapping.guess(lay.headers, mapping.targets())
    expected = {"First name": "first_name", "Last name": "last_name", "Email": "email", "Email 2": "email_2",
                "Phone": "phone", "Address line 1": "address_line1", "City": "city", "Postcode": "postcode",
                "Country": "country", "Birth date": "birth_date", "Tags": "tags", "Notes": "notes",
                "Do not email": "do_not_email", "Email opt-in": "email_opt_in",
                "Favourite colour": "custom:colour"}
    assert {h: guessed.get(h) for h in expected} == expected


def test_the_command_line_exports_everything_or_a_segment(app, admin, tmp_path):
    ids = _rich(app)
    with app.app_context():
        db.session.add(Segment(name="Leeds people", filters={"q": "", "f": ["city:is:Leeds"], "match": "all"},
                               owner_id=admin.id))
        db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["contacts", "export", str(tmp_path / "all.csv")])
    assert out.exit_code == 0, out.output
    assert "Exported 3 contacts" in out.output
    text = (tmp_path / "all.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff") and len(list(csv.DictReader(io.StringIO(text[1:])))) == 3
    out = runner.invoke(args=["contacts", "export", str(tmp_path / "leeds.xlsx"), "--segment", "Leeds people"])
    assert out.exit_code == 0, out.output
    sheet = load_workbook(tmp_path / "leeds.xlsx", read_only=True).active
    assert sorted(int(r[-1]) for r in list(sheet.iter_rows(values_only=True))[1:]) == [ids["Ann"], ids["Bea"]]
    out = runner.invoke(args=["contacts", "export", str(tmp_path / "x.csv"), "--segment", "Nope"])
    assert out.exit_code != 0 and "no saved segment named 'Nope'" in out.output
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "export")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.summary, e.actor) for e in entries] == [
            ("Exported 3 contacts to CSV (the whole list)", "command line"),
            ("Exported 2 contacts to XLSX (the segment “Leeds people”)", "command line")]


def test_an_export_imports_back_into_the_same_contacts(app, admin, tmp_path):
    _rich(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contacts", "export", str(tmp_path / "all.csv")]).exit_code == 0
    with app.app_context():
        from modules.contacts.models import Contact

        before = {c.email: (c.first_name, c.last_name, c.city, c.postcode, c.phone)
                  for c in db.session.scalars(db.select(Contact))}
        for contact in db.session.scalars(db.select(Contact)):
            db.session.delete(contact)
        db.session.commit()
    out = runner.invoke(args=["contacts", "import", str(tmp_path / "all.csv")])
    assert out.exit_code == 0, out.output
    with app.app_context():
        after = {c.email: (c.first_name, c.last_name, c.city, c.postcode, c.phone)
                 for c in db.session.scalars(db.select(Contact))}
    assert after == before


def test_an_exported_formula_looking_note_comes_back_as_typed(app, admin, tmp_path):
    with app.app_context():
        records.create("person", {"first_name": "Eve", "last_name": "Quote", "notes": "=1+1 is two"},
                       Details(emails=[{"email": "eve@example.org", "label": "", "is_primary": True}]))
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contacts", "export", str(tmp_path / "eve.csv")]).exit_code == 0
    assert "'=1+1 is two" in (tmp_path / "eve.csv").read_text(encoding="utf-8")
    with app.app_context():
        from modules.contacts.models import Contact

        for contact in db.session.scalars(db.select(Contact)):
            db.session.delete(contact)
        db.session.commit()
    assert runner.invoke(args=["contacts", "import", str(tmp_path / "eve.csv")]).exit_code == 0
    with app.app_context():
        from modules.contacts.models import Contact

        assert db.session.scalar(db.select(Contact.notes)) == "=1+1 is two"
