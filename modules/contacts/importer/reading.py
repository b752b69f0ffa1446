"""Reading an uploaded file: CSV in any common encoding and delimiter, or
XLSX. `inspect` looks at the bytes once (at upload) and tells what they are;
`rows` reads the data rows again whenever the preview or the job needs them.

Every cell comes back as text stripped of surrounding whitespace. Nothing is
evaluated: a cell typed as "=HYPERLINK(...)" stays that text (XLSX formulas
are read as their formula text, not a cached result).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from modules.contacts.export import unneutralise

DELIMITERS = (",", ";", "\t", "|")
XLSX = "xlsx"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", XLSX: "Excel workbook"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16",
                  "cp1252": "Windows-1252 / Latin-1", "latin-1": "Latin-1", XLSX: "Excel workbook"}
MAX_COLUMNS = 200


class FileProblem(ValueError):
    """A file that cannot be imported, with a message for people."""


@dataclass
class Inspection:
    encoding: str  # a Python codec name, or "xlsx"
    delimiter: str  # one of DELIMITERS, or "xlsx"
    headers: list[str]
    rows: int  # data rows (not counting the header row)


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def detect_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, ...)
        return "latin-1"


def decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise FileProblem("The file's text could not be read. Save it as CSV (UTF-8) and try again.") from None


def detect_delimiter(text: str) -> str:
    sample_lines = text[:64_000].splitlines()[:30]
    sample = "\n".join(sample_lines)
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        if found in DELIMITERS:
            return found
    except csv.Error:
        pass
    header = sample_lines[0] if sample_lines else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        # data_only=False: formulas come back as the text typed, never evaluated.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # zip or XML damage: openpyxl raises many kinds
        raise FileProblem("This workbook could not be opened. Save it again from your spreadsheet "
                          "program, or export it as CSV.") from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [unneutralise(_cell(v)) for v in values[:MAX_COLUMNS]]
    finally:
        book.close()


def _csv_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[list[str]]:
    text = decode(data, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            # only a cell starting with an apostrophe can be a neutralised one
            yield [unneutralise(t) if (t := c.strip())[:1] == "'" else t for c in row[:MAX_COLUMNS]]
    except csv.Error as error:
        raise FileProblem(f"The file is not valid CSV near line {reader.line_num}: {error}.") from None


def _raw_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[list[str]]:
    if delimiter == XLSX:
        return _xlsx_rows(data)
    return _csv_rows(data, encoding, delimiter)


def rows(data: bytes, encoding: str, delimiter: str, width: int) -> Iterator[tuple[int, list[str]]]:
    """(line number as a spreadsheet shows it, cells padded to `width`) for each
    data row; blank rows are left out."""
    header_seen = False
    for number, row in enumerate(_raw_rows(data, encoding, delimiter), start=1):
        if not any(row):
            continue
        if not header_seen:
            header_seen = True
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield number, row


def _headers(first: list[str]) -> list[str]:
    """Header names, made unique and never empty ("Column 3", "Email (2)")."""
    seen: dict[str, int] = {}
    out = []
    for index, raw in enumerate(first, start=1):
        name = raw.strip() or f"Column {index}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    while out and out[-1].startswith("Column ") and not first[len(out) - 1].strip():
        out.pop()  # trailing empty header cells
    return out


def inspect(data: bytes, filename: str) -> Inspection:
    """What the file is; raises FileProblem with a clear message."""
    name = (filename or "").lower()
    if not data:
        raise FileProblem("The file is empty.")
    if name.endswith((".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx")):
        raise FileProblem("This type of file cannot be imported. Use a CSV file or an Excel workbook (.xlsx).")
    if _is_xlsx(data):
        encoding = delimiter = XLSX
    else:
        if name.endswith(".xlsx"):
            raise FileProblem("This file is named .xlsx but is not an Excel workbook.")
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise FileProblem("This looks like an old Excel (.xls) file. Save it as .xlsx or CSV and try again.")
        encoding = detect_encoding(data)
        if encoding != "utf-16" and b"\x00" in data[:8192]:
            raise FileProblem("This does not look like a text or spreadsheet file. "
                              "Use a CSV file or an Excel workbook (.xlsx).")
        delimiter = detect_delimiter(decode(data, encoding))
    source = _raw_rows(data, encoding, delimiter)
    first = next((row for row in source if any(row)), None)
    if first is None:
        raise FileProblem("The file has no rows.")
    headers = _headers(first)
    count = sum(1 for row in source if any(row))
    if count == 0:
        raise FileProblem("The file has a header row but no data rows.")
    return Inspection(encoding, delimiter, headers, count)
