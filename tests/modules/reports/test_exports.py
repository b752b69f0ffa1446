"""Exports of builder and saved reports: CSV (formula cells neutralised,
UTF-8 with a BOM), XLSX (numbers as numbers, text typed as text) and PDF
(title, chart and table), each audited."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.reporting.results import Column, Result
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.reports import exports
from tests.modules.reports import data

EVIL = "=HYPERLINK(\"http://evil.example\",\"x\")"


@pytest.fixture
def ids(app):
    with app.app_context():
        ids = data.build()
        evil = records.create("organisation", {"name": EVIL})
        db.session.flush()
        gifts.record_gift(contact_id=evil.id, amount=Decimal("-5"), received_on=date(2025, 2, 1), currency="GBP",
                          reference="@SUM(A1)")
        db.session.commit()
        return ids


LIST = "/reports/export.{fmt}?source=gifts&col=donor&col=amount&col=received&col=reference&sort=received"


def test_csv_neutralises_formula_cells(app, admin_client, ids):
    response = admin_client.get(LIST.format(fmt="csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="gifts-report.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Donor", "Amount", "Received on", "Reference"]
    assert len(rows) == 1 + 7
    evil = [r for r in rows if "HYPERLINK" in r[0]][0]
    assert evil == ["'" + EVIL, "-5.00", "2025-02-01", "'@SUM(A1)"]  # a plain negative number stays a number
    assert ["Ann Donor", "100.00", "2024-06-30", ""] in rows
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "export")).all() == [
            "Exported “Gifts report” as CSV (7 rows)"]


def test_xlsx_keeps_numbers_and_dates_and_types_text_as_text(app, admin_client, ids):
    response = admin_client.get(LIST.format(fmt="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=False))
    assert [c.value for c in rows[0]] == ["Donor", "Amount", "Received on", "Reference"]
    evil = [r for r in rows if "HYPERLINK" in str(r[0].value)][0]
    assert evil[0].value == EVIL and evil[0].data_type == "s"  # text, never evaluated
    assert evil[3].value == "@SUM(A1)" and evil[3].data_type == "s"
    assert evil[1].value == -5 and evil[1].data_type == "n"
    assert evil[2].value.date() == date(2025, 2, 1)


def test_pdf_has_the_title_chart_and_numbers(app, admin_client, ids):
    response = admin_client.get("/reports/export.pdf?source=gifts&g=received:fiscal&m=sum:amount&chart=bar")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Gifts report" in text
    assert "The numbers in the chart" in text  # the chart's table came with it
    assert "FY 2024–25" in text and "270.00" in text  # 275.00 less the -5.00 refund


def test_a_saved_reports_export_is_named_after_it(app, admin_client, ids):
    from tests.modules.reports.test_saved_reports import save

    response = save(admin_client, "Board: giving by fund", spec="source=gifts&g=fund&m=sum:amount")
    report_url = response.headers["Location"]
    export = admin_client.get(f"{report_url}/export.csv")
    assert 'filename="board-giving-by-fund.csv"' in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert rows == [["Fund", "Sum of amount"], ["Building", "225.00"], ["General", "165.00"], ["", "-5.00"]]


def test_any_result_exports_not_only_the_builders():
    """A standard report hands the same functions a Result it made itself."""
    result = Result([Column("band", "Gift band"), Column("donors", "Donors", "number"),
                     Column("total", "Total", "money")],
                    [("=1+1", 2, Decimal("2500")), ("100–999", 5, Decimal("812.5"))])
    rows = list(csv.reader(io.StringIO(exports.to_csv(result).decode("utf-8-sig"))))
    assert rows == [["Gift band", "Donors", "Total"], ["'=1+1", "2", "2500.00"], ["100–999", "5", "812.50"]]


def test_a_large_export_runs_as_a_job_with_progress(app, admin_client, ids, monkeypatch):
    from app.jobs import run
    from app.models import Job

    monkeypatch.setattr(exports, "INLINE_LIMIT", 3)  # 7 gifts: more than a request writes
    response = admin_client.get(LIST.format(fmt="csv"))
    assert response.status_code == 303
    job_page = response.headers["Location"]
    with app.app_context():
        [job] = db.session.scalars(select(Job)).all()
        assert job.kind == "reports.export" and job.status == "queued"
        job_id = job.id
    waiting = admin_client.get(job_page).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting and "Queued" in waiting
    with app.app_context():
        run(job_id)
        job = db.session.get(Job, job_id)
        assert (job.status, job.done, job.total) == ("finished", 7, 7)
    ready = admin_client.get(job_page).get_data(as_text=True)
    assert "The file is ready: 7 rows." in ready
    download = admin_client.get(f"{job_page}/download")
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Donor", "Amount", "Received on", "Reference"] and len(rows) == 8
    assert ["'" + EVIL, "-5.00", "2025-02-01", "'@SUM(A1)"] in rows
    # Someone without reports.admin cannot fetch another's file.
    from tests.conftest import login, make_user

    make_user(app, "other@example.org", "admin", "Other Admin")
    other = app.test_client()
    login(other, "other@example.org")
    assert other.get(job_page).status_code == 200  # an administrator holds reports.admin
    from tests.modules.reports.test_builder_errors import custom_role

    make_user(app, "viewer@example.org", role=custom_role(app, "Viewer", ("core.dashboard", "reports.view")))
    viewer = app.test_client()
    login(viewer, "viewer@example.org")
    assert viewer.get(job_page).status_code == 404
    assert viewer.get(f"{job_page}/download").status_code == 404
