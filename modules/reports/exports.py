"""Any `Result` as CSV, XLSX or PDF (the builder's and the standard reports').

Cells that start like a spreadsheet formula are neutralised as the contacts
export does it (modules/contacts/lists/export.py): an apostrophe in CSV,
text-typed cells in XLSX. Numbers and money stay numbers in XLSX; dates
are dates. The PDF is the report's title, its chart (the same SVG as the
page) and its table, printed by WeasyPrint, which may fetch nothing.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from decimal import Decimal

from flask import current_app

from app.reporting.results import Result
from modules.contacts.lists.export import _xlsx_cell, safe_cell

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

# Exports hold every row up to EXPORT_LIMIT (or the report's own row limit,
# when it sets one); more than INLINE_LIMIT rows are written by the
# "reports.export" job, with progress. A PDF stops at PDF_LIMIT rows.
INLINE_LIMIT = 5_000
EXPORT_LIMIT = 200_000
PDF_LIMIT = 5_000
PROGRESS_EVERY = 2_000

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf"}


def text(value, kind: str = "text") -> str:
    """A value as the table and CSV show it."""
    if value is None:
        return ""
    if isinstance(value, bool) or kind == "boolean":
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    if kind == "money" and isinstance(value, Decimal | int | float):
        return f"{Decimal(value):.2f}"
    return str(value)


def _tick(progress, i: int) -> None:
    if progress is not None and i and i % PROGRESS_EVERY == 0:
        progress(i)


def to_csv(result: Result, progress=None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c.label) for c in result.columns])
    for i, row in enumerate(result.rows):
        writer.writerow([safe_cell(text(v, c.type)) for v, c in zip(row, result.columns, strict=True)])
        _tick(progress, i)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(result: Result, title: str = "Report", progress=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append([_xlsx_cell(sheet, c.label) for c in result.columns])
    for i, row in enumerate(result.rows):
        _tick(progress, i)
        cells = []
        for value, column in zip(row, result.columns, strict=True):
            if isinstance(value, bool) or value is None:
                cells.append(_xlsx_cell(sheet, text(value, column.type)))
            elif isinstance(value, Decimal | int | float):
                cell = WriteOnlyCell(sheet, value=value)
                if column.type == "money":
                    cell.number_format = "#,##0.00"
                cells.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(_xlsx_cell(sheet, str(value)))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip()
    return (cleaned or "Report")[:31]


def to_pdf(result: Result, title: str, description: str = "", chart=None) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    template = current_app.jinja_env.get_template("reports/pdf.html")
    html = template.render(result=result, title=title, description=description, chart=chart, text=text)
    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=2, allow_redirects=False)
    return HTML(string=html, url_fetcher=fetcher, base_url="about:blank").write_pdf()
