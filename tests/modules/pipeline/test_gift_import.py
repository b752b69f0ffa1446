"""Gift import: a real CSV (BOM, CRLF, a blank row, a formula cell) through
upload, column guesses, preview problems by row, the job on RQ, summary,
failed rows as CSV and undo; an XLSX through the CLI with name-and-postcode
matching and a dry run; running the job twice."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from rq import SimpleWorker
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.service import queue
from app.models import AuditEntry, Job
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline.gift_import import run as runner
from modules.pipeline.models import Appeal, Fund, Gift, GiftImport
from tests.conftest import csrf_from

FILES = Path(__file__).parent / "files"


def work(app) -> None:
    """Run every queued job through RQ, as `flask worker` would."""
    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


@pytest.fixture
def org(app):
    with app.app_context():
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"}, records.Details(
            emails=[{"email": "grace@example.org", "label": "", "is_primary": True}],
            addresses=[{"line1": "1 Navy Way", "city": "York", "postcode": "YO1 7AA", "country": "GB",
                        "label": "", "is_primary": True}]))
        db.session.add_all([Fund(name="Building fund", code="BLD"), Appeal(name="Spring letter", code="SPR26")])
        db.session.commit()
        return {"grace": grace.id}


def _csrf_post(client, url, data, page=None, **kw):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, page or url)}, **kw)


def test_csv_upload_map_preview_run_summary_and_undo(admin_client, app, org):
    with open(FILES / "gifts.csv", "rb") as handle:
        response = _csrf_post(admin_client, "/pipeline/gifts/imports/",
                              {"file": (handle, "gifts.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    map_url = response.headers["Location"]
    page = admin_client.get(map_url).get_data(as_text=True)
    assert "9 rows" in page
    for i, key in enumerate(["email", "first_name", "last_name", "postcode", "amount", "received_on", "fund",
                             "appeal", "payment_method", "reference", "anonymous", "notes"]):
        assert re.search(rf'<select id="col-{i}" name="col-{i}">.*?<option value="{key}" selected>', page, re.S), key
    # A mapping without the amount is refused with a message.
    refused = _csrf_post(admin_client, map_url, {"col-0": "email", "col-5": "received_on", "match_rule": "email"})
    assert refused.status_code == 422 and "Choose the column that holds the amount." in refused.get_data(as_text=True)
    form = {f"col-{i}": key for i, key in enumerate(
        ["email", "first_name", "last_name", "postcode", "amount", "received_on", "fund", "appeal",
         "payment_method", "reference", "anonymous", "notes"])}
    response = _csrf_post(admin_client, map_url, {**form, "match_rule": "email", "create_donors": "y"})
    assert response.status_code == 303
    preview = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 ready" in preview and "6 with problems" in preview and "2 with a new donor" in preview
    for problem in ("“lots” is not an amount", "Date: enter it like 2026-03-01.",
                    "Donor not found (ghost@example.org); a new donor needs a first or last name."):
        assert problem in preview, problem
    # The rows whose only problem is an unknown value wait for the choices in
    # the unknown-values table, and are counted rather than listed.
    assert "3 rows of these wait only for the choices above." in preview
    assert "No fund is named or coded “Nope fund”" not in preview
    for value in ("Nope fund", "bitcoin", "Nope appeal"):
        assert re.search(rf'<th scope="row"><label for="[^"]+">{value}</label></th>', preview), value
    with app.app_context():
        import_id = db.session.scalar(select(GiftImport.id))
        assert db.session.scalar(select(func.count(Gift.id))) == 0
    run_url = f"/pipeline/gifts/imports/{import_id}/run"
    response = _csrf_post(admin_client, run_url, {}, page=f"/pipeline/gifts/imports/{import_id}/preview")
    assert response.status_code == 303
    waiting = admin_client.get(f"/pipeline/gifts/imports/{import_id}").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting
    work(app)
    summary = admin_client.get(f"/pipeline/gifts/imports/{import_id}").get_data(as_text=True)
    assert "<strong>3</strong> gifts imported" in summary and "<strong>1</strong> new donor created" in summary
    assert "<strong>6</strong> rows failed" in summary and "every 2s" not in summary
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "pipeline.import_gifts"))
        assert job.status == "finished" and job.done == 9 and job.total == 9
        imported = db.session.scalars(select(Gift).order_by(Gift.received_on)).all()
        assert [(g.amount, g.received_on, g.payment_method, g.anonymous) for g in imported] == [
            (Decimal("1000.00"), date(2026, 3, 1), "cheque", False),
            (Decimal("25.00"), date(2026, 4, 15), "card", True),
            (Decimal("30.00"), date(2026, 5, 1), "online", False)]
        assert imported[0].contact_id == org["grace"] and imported[0].reference == "CHQ 1"
        assert imported[0].fund.name == "General fund" and imported[0].appeal.name == "Spring letter"
        assert imported[1].fund.code == "BLD" and imported[1].contact_id == imported[2].contact_id
        nina = db.session.get(Contact, imported[1].contact_id)
        assert (nina.display_name, nina.email, nina.postcode) == ("Nina New", "nina@example.org", "AB1 2CD")
        assert {g.import_id for g in imported} == {import_id}
    failed = admin_client.get(f"/pipeline/gifts/imports/{import_id}/failures.csv")
    rows = list(csv.reader(io.StringIO(failed.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Row", "Problem", "Email"]
    assert [r[0] for r in rows[1:]] == ["4", "5", "6", "7", "8", "9"]
    assert rows[-1][2] == "'=cmd@example.org"  # neutralised for spreadsheets
    # Undo: asks first, then removes the gifts and the donor it created, not Grace.
    question = admin_client.get(f"/pipeline/gifts/imports/{import_id}/undo").get_data(as_text=True)
    assert "Delete the 3 gift(s) imported from gifts.csv and the 1 contact(s) it created?" in question
    response = _csrf_post(admin_client, f"/pipeline/gifts/imports/{import_id}/undo", {})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.id))) == 0
        assert db.session.get(Contact, nina.id) is None and db.session.get(Contact, org["grace"]) is not None
        assert db.session.get(GiftImport, import_id).status == "undone"
        assert "Undid the gift import of gifts.csv: removed 3 gift(s) and 1 contact(s)" in db.session.scalar(
            select(AuditEntry.summary).where(AuditEntry.object_type == "pipeline_gift_import",
                                             AuditEntry.action == "delete"))
    assert "Undone" in admin_client.get(f"/pipeline/gifts/imports/{import_id}").get_data(as_text=True)


def test_without_creating_donors_unknown_donors_fail(admin_client, app, org):
    with app.app_context():
        imp = runner.new_import((FILES / "gifts.csv").read_bytes(), "gifts.csv")
        imp.create_donors = False
        runner.execute(imp)
        db.session.commit()
        assert (imp.created, imp.donors_created, imp.failed) == (1, 0, 8)
        assert "Donor not found (Nina New, nina@example.org, AB1 2CD)." in imp.failures_csv.decode("utf-8-sig")


def test_bad_uploads_are_explained(admin_client):
    response = _csrf_post(admin_client, "/pipeline/gifts/imports/", {"file": (io.BytesIO(b""), "empty.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "The file is empty." in response.get_data(as_text=True)
    response = _csrf_post(admin_client, "/pipeline/gifts/imports/", {}, content_type="multipart/form-data")
    assert "Choose a CSV file or an Excel workbook" in response.get_data(as_text=True)


def _xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Surname", "Forename", "Post code", "Gift amount", "Gift date", "Designation", "Method"])
    sheet.append(["Hopper", "Grace", "yo1 7aa", 50, date(2026, 6, 1), "Building fund", "Direct debit"])
    sheet.append(["Lamarr", "Hedy", "W1 1AA", 75.5, "2026-06-02", "", "cash"])
    sheet.append(["Nobody", "", "", "lots", "2026-06-03", "", ""])
    book.save(path)
    return path


def test_cli_xlsx_by_name_and_postcode_with_a_dry_run(app, org, tmp_path):
    path = _xlsx(tmp_path / "gifts.xlsx")
    cli = app.test_cli_runner()
    dry = cli.invoke(args=["pipeline", "import-gifts", str(path), "--match", "name+postcode", "--create-donors",
                           "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 row(s) ready (1 with a matching contact, 1 with a new donor), 1 with problems" in dry.output
    assert "row 4: Amount: “lots” is not an amount" in dry.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.id))) == 0
        assert db.session.scalar(select(func.count(GiftImport.id))) == 0
    result = cli.invoke(args=["pipeline", "import-gifts", str(path), "--match", "name+postcode", "--create-donors"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 gift(s), created 1 donor(s); 1 row(s) failed." in result.output
    with app.app_context():
        gifts = db.session.scalars(select(Gift).order_by(Gift.received_on)).all()
        assert [(g.contact_id == org["grace"], g.amount, g.payment_method) for g in gifts] == [
            (True, Decimal("50.00"), "direct_debit"), (False, Decimal("75.50"), "cash")]
    missing = cli.invoke(args=["pipeline", "import-gifts", str(path)])
    assert missing.exit_code != 0 and "needs a column for the donor's email" in missing.output


def test_running_the_job_twice_imports_once(app, org):
    with app.app_context():
        imp = runner.new_import((FILES / "gifts.csv").read_bytes(), "gifts.csv")
        imp.create_donors = True
        runner.execute(imp)
        db.session.commit()
        imp.status = "running"  # as if the worker died before marking it finished
        runner.execute(imp)
        db.session.commit()
        assert db.session.scalar(select(func.count(Gift.id))) == 3
        assert db.session.scalar(select(func.count(Contact.id))) == 2  # Grace and one Nina
