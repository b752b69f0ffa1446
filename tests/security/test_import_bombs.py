"""Issue 14, finding 3: spreadsheet bombs in contact and gift import.

Each file is built here and uploaded through the real pages: contact import
as a Manager (the lowest built-in role that may import contacts), gift
import as Staff. Each is refused, or handled, within a couple of seconds of
the request (a loose guard, not a benchmark), says why on the page, and
imports nothing. A workbook is opened once, at upload: the mapping and
preview pages use what the upload kept (openpyxl's `load_workbook` is
wrapped to count its calls; it still does the work)."""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.service import queue
from modules.contacts.models import Contact, ImportRun
from modules.pipeline.models import Gift, GiftImport
from tests.conftest import csrf_from, login, make_user

SECONDS = 5
LAST_ROW = 1_048_576  # a sheet's last row in Excel

# The parts of a minimal workbook, written by hand so the sheet can be anything.
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels":
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
        '<sheets><sheet name="Gifts" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def workbook(dimension: str, rows) -> bytes:
    """An XLSX file whose one sheet declares `dimension` and holds `rows`
    (pieces of XML, written one after another)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in PARTS.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                        f'<dimension ref="{dimension}"/><sheetData>'.encode())
            for piece in rows:
                sheet.write(piece)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


HEADER = ('<row r="1">' + _text("A1", "Email") + _text("B1", "Last name") + _text("C1", "Amount")
          + _text("D1", "Date") + "</row>").encode()


@pytest.fixture(scope="module")
def packed_bomb() -> bytes:
    """About 530 KB that unpack to a 183 MB sheet of 3,000,000 rows."""
    row = b'<row><c t="inlineStr"><is><t>a@example.org</t></is></c></row>'
    return workbook("A1:D3000001", [HEADER, *[row * 10_000] * 300])


def far_cell() -> bytes:
    """1.5 KB: a header row, and one row in the sheet's last row, in a sheet
    that declares every row and column Excel has."""
    far = (f'<row r="{LAST_ROW}">' + _text(f"A{LAST_ROW}", "far@example.org") + _text(f"B{LAST_ROW}", "Farrow")
           + _text(f"C{LAST_ROW}", "25.00") + _text(f"D{LAST_ROW}", "2026-01-15") + "</row>").encode()
    return workbook(f"A1:XFD{LAST_ROW}", [HEADER, far])


@dataclass
class Importer:
    role: str
    url: str  # the upload page
    run_model: type
    record_model: type
    map_form: dict  # the far-cell file's columns, as the mapping page posts them

    def counts(self, app) -> tuple[int, int]:
        """(uploads kept, records imported)."""
        with app.app_context():
            return tuple(db.session.scalar(select(func.count()).select_from(m))
                         for m in (self.run_model, self.record_model))


IMPORTERS = {
    "contacts": Importer("manager", "/contacts/import/", ImportRun, Contact,
                         {"col-0": "email", "col-1": "last_name", "col-2": "", "col-3": "", "action": "continue"}),
    "gifts": Importer("staff", "/pipeline/gifts/imports/", GiftImport, Gift,
                      {"col-0": "email", "col-1": "last_name", "col-2": "amount", "col-3": "received_on",
                       "match_rule": "email"}),
}


@pytest.fixture(params=list(IMPORTERS))
def importer(request, app, client):
    found = IMPORTERS[request.param]
    user = make_user(app, f"{found.role}@example.org", found.role, f"A {found.role}")
    login(client, user.email)
    return found


@pytest.fixture
def workbook_loads(monkeypatch) -> list:
    """One entry per call of openpyxl's load_workbook."""
    calls = []
    real = openpyxl.load_workbook

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counted)
    return calls


def upload(client, importer: Importer, name: str, data: bytes):
    """(response, seconds the upload request took)."""
    token = csrf_from(client, importer.url)
    started = time.monotonic()
    response = client.post(importer.url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    return response, time.monotonic() - started


def work(app) -> None:
    """Run every queued job through RQ, as `flask worker` would."""
    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


def test_a_workbook_that_unpacks_to_hundreds_of_times_its_size_is_refused_before_it_is_parsed(
        app, client, importer, packed_bomb, workbook_loads):
    response, seconds = upload(client, importer, "bomb.xlsx", packed_bomb)
    page = response.get_data(as_text=True)
    assert seconds < SECONDS
    assert response.status_code == 422
    assert "This workbook unpacks to more than 100 times its size" in page
    assert workbook_loads == []  # refused from the zip's directory alone
    assert importer.counts(app) == (0, 0)


def test_a_workbook_whose_one_row_sits_in_the_last_row_is_read_at_once_and_only_once(
        app, client, importer, workbook_loads):
    response, seconds = upload(client, importer, "far.xlsx", far_cell())
    assert seconds < SECONDS
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    map_url = response.headers["Location"]
    assert map_url.endswith("/map") and len(workbook_loads) == 1
    page = client.get(map_url).get_data(as_text=True)
    assert re.search(r"\b1 row", page) and "far@example.org" in page  # the count and a sample value
    response = client.post(map_url, data={**importer.map_form, "csrf_token": csrf_from(client, map_url)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/preview")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1048576" in preview and "far@example.org" in preview  # the row, by its row number
    assert len(workbook_loads) == 1  # neither page opened the workbook again
    assert importer.counts(app) == (1, 0)  # the upload is kept; nothing is imported


def test_the_row_limit_is_a_setting_and_refuses_in_the_request(app, client, importer, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1_000)
    assert "Up to 20 MB and 1,000 rows." in client.get(importer.url).get_data(as_text=True)  # said before
    refused, _ = upload(client, importer, "rows.csv", b"Email,Last name\n" + b"a@example.org,A\n" * 1_001)
    accepted, _ = upload(client, importer, "rows.csv", b"Email,Last name\n" + b"a@example.org,A\n" * 1_000)
    assert refused.status_code == 422
    assert ("This file has more than 1,000 rows. Split it into files of at most 1,000 rows and import them one "
            "after another.") in refused.get_data(as_text=True)
    assert accepted.status_code == 303
    assert importer.counts(app) == (1, 0)


def test_a_big_csv_of_more_rows_than_the_limit_is_refused_by_the_worker_with_the_reason(app, client, importer):
    data = b"Email\n" + b"a\n" * (1_000_000 + 1)  # 2 MB: read by the worker, not in the request
    response, seconds = upload(client, importer, "rows.csv", data)
    assert seconds < SECONDS
    assert response.status_code == 303
    status_url = response.headers["Location"]
    assert "This file is big, so it is read in the background" in client.get(status_url).get_data(as_text=True)
    work(app)
    page = client.get(status_url).get_data(as_text=True)
    assert ("This file has more than 1,000,000 rows. Split it into files of at most 1,000,000 rows and import "
            "them one after another.") in page and "Nothing was imported." in page
    with app.app_context():
        run = db.session.scalars(select(importer.run_model)).one()
        assert (run.status, run.data) == ("refused", b"")  # the refused file's bytes are not kept
    assert importer.counts(app) == (1, 0)


def test_a_big_file_the_worker_has_read_goes_on_to_its_columns(app, client, importer, workbook_loads):
    rows = 8_000  # unpacks to about 1.6 MB: more than a request reads (1 MB)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Email", "Last name", "Amount", "Date"])
    for n in range(rows):
        sheet.append([f"donor{n}@example.org", f"Donor {n}", 10, "2026-01-15"])
    buffer = io.BytesIO()
    book.save(buffer)
    response, seconds = upload(client, importer, "big.xlsx", buffer.getvalue())
    assert seconds < SECONDS and workbook_loads == []  # the request did not read it
    status_url = response.headers["Location"]
    work(app)
    assert len(workbook_loads) == 1
    polled = client.get(status_url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"].endswith("/map")
    page = client.get(polled.headers["HX-Redirect"]).get_data(as_text=True)
    assert re.search(r"8,?000 rows", page) and "donor0@example.org" in page
    assert len(workbook_loads) == 1
    assert importer.counts(app) == (1, 0)


def test_a_csv_with_an_unclosed_quote_is_refused_with_a_reason_people_understand(app, client, importer):
    data = b'Email,Notes\na@example.org,"' + b"x" * 500_000  # an opening quote never closed
    response, _ = upload(client, importer, "quote.csv", data)
    assert response.status_code == 422
    assert ("Line 2 holds a cell of more than 131,072 characters. Check that every opening quote (&#34;) in the "
            "file has its closing quote.") in response.get_data(as_text=True)
    assert importer.counts(app) == (0, 0)
