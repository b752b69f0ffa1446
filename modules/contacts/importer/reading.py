"""Reading an uploaded file: CSV in any common encoding and delimiter, or
XLSX (`workbook`).

`check` refuses what can be refused before anything parses the file and
says how much a full read parses (a big file is read by the worker, not in
the web request). `inspect` reads the file once, at upload, and keeps what
the later steps show: headers, row count and the first rows (`sample_rows`
gives them back), so a page never reads the file again. `rows` reads every
data row, for the job.

Every cell comes back as text stripped of surrounding whitespace. Nothing is
evaluated: a cell typed as "=HYPERLINK(...)" stays that text (XLSX formulas
are read as their formula text, not a cached result).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app, has_app_context

from modules.contacts.importer import workbook
from modules.contacts.importer.problem import FileProblem
from modules.contacts.lists.export import unneutralise

DELIMITERS = (",", ";", "\t", "|")
XLSX = "xlsx"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", XLSX: "Excel workbook"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16",
                  "cp1252": "Windows-1252 / Latin-1", "latin-1": "Latin-1", XLSX: "Excel workbook"}
MAX_COLUMNS = 200
# Data rows a file may hold: the default of the IMPORT_MAX_ROWS setting.
MAX_ROWS = 1_000_000
# Characters in one CSV cell (the csv module's default, set here on purpose):
# an unclosed quote otherwise makes the rest of the file one cell.
MAX_CELL = 131_072
# A file that parses more bytes than this (a CSV's size, what a workbook
# unpacks to) is read by the worker rather than in the web request: at most
# about half a second on one core (a megabyte of one-letter CSV lines, or of
# a sheet's XML; a sheet parses at about 4 MB a second).
READ_IN_REQUEST = 1024 * 1024
# Text kept of the first rows for the pages (the sample stops before it).
SAMPLE_CHARS = 2_000_000
PROGRESS_EVERY = 50_000
UNREADABLE = "This file could not be read. Save it again from your spreadsheet program, or export it as CSV."


@dataclass
class Inspection:
    encoding: str  # a Python codec name, or "xlsx"
    delimiter: str  # one of DELIMITERS, or "xlsx"
    headers: list[str]
    rows: int  # data rows (not counting the header row)
    sample: list = field(default_factory=list)  # [line, cells] of the first data rows


def max_rows() -> int:
    if has_app_context():
        return current_app.config.get("IMPORT_MAX_ROWS") or MAX_ROWS
    return MAX_ROWS


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


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    for number, values in workbook.rows(data, MAX_COLUMNS):
        yield number, [unneutralise(_cell(v)) for v in values]


def _csv_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    text = decode(data, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            # only a cell starting with an apostrophe can be a neutralised one
            yield number, [unneutralise(t) if (t := c.strip())[:1] == "'" else t for c in row[:MAX_COLUMNS]]
    except csv.Error as error:
        if "field limit" in str(error):
            raise FileProblem(f"Line {reader.line_num} holds a cell of more than {MAX_CELL:,} characters. Check "
                              "that every opening quote (\") in the file has its closing quote.") from None
        raise FileProblem(f"The file is not valid CSV near line {reader.line_num}: {error}.") from None


def _raw_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number as a spreadsheet shows it, cells) for every row, blank ones too."""
    if delimiter == XLSX:
        return _xlsx_rows(data)
    return _csv_rows(data, encoding, delimiter)


def _padded(cells: list[str], width: int) -> list[str]:
    return cells + [""] * (width - len(cells)) if len(cells) < width else cells


def rows(data: bytes, encoding: str, delimiter: str, width: int) -> Iterator[tuple[int, list[str]]]:
    """(line number as a spreadsheet shows it, cells padded to `width`) for each
    data row; blank rows are left out."""
    header_seen = False
    for number, row in _raw_rows(data, encoding, delimiter):
        if not any(row):
            continue
        if not header_seen:
            header_seen = True
            continue
        yield number, _padded(row, width)


def sample_rows(sample: Iterable, width: int) -> Iterator[tuple[int, list[str]]]:
    """`rows` of the first data rows `inspect` kept."""
    for number, cells in sample or ():
        yield number, _padded(cells, width)


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


def _format(data: bytes, filename: str) -> tuple[str, int]:
    """(the text's encoding, or XLSX; the bytes a full read parses)."""
    name = (filename or "").lower()
    if not data:
        raise FileProblem("The file is empty.")
    if name.endswith((".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx")):
        raise FileProblem("This type of file cannot be imported. Use a CSV file or an Excel workbook (.xlsx).")
    if _is_xlsx(data):
        return XLSX, workbook.check(data)
    if name.endswith(".xlsx"):
        raise FileProblem("This file is named .xlsx but is not an Excel workbook.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("This looks like an old Excel (.xls) file. Save it as .xlsx or CSV and try again.")
    encoding = detect_encoding(data)
    if encoding != "utf-16" and b"\x00" in data[:8192]:
        raise FileProblem("This does not look like a text or spreadsheet file. "
                          "Use a CSV file or an Excel workbook (.xlsx).")
    return encoding, len(data)


def check(data: bytes, filename: str) -> int:
    """Refuse (FileProblem) what can be refused without parsing the file;
    otherwise the bytes a full read parses."""
    return _format(data, filename)[1]


def read_in_request(data: bytes, filename: str) -> bool:
    """Whether the file is small enough to read in a web request (`check` first)."""
    return check(data, filename) <= READ_IN_REQUEST


def inspect(data: bytes, filename: str, keep: int = 0,
            progress: Callable[[int], None] | None = None) -> Inspection:
    """Read the whole file once: what it is, its headers, how many data rows
    it has and the first `keep` of them (less if their text passes
    SAMPLE_CHARS); `progress(rows so far)` every PROGRESS_EVERY rows.
    Raises FileProblem with a clear message."""
    encoding, _ = _format(data, filename)
    delimiter = XLSX if encoding == XLSX else detect_delimiter(decode(data, encoding))
    source = ((number, row) for number, row in _raw_rows(data, encoding, delimiter) if any(row))
    first = next(source, None)
    if first is None:
        raise FileProblem("The file has no rows.")
    headers = _headers(first[1])
    width, limit = len(headers), max_rows()
    count, chars, sample = 0, 0, []
    for number, row in source:
        count += 1
        if count > limit:
            raise FileProblem(f"This file has more than {limit:,} rows. Split it into files of at most "
                              f"{limit:,} rows and import them one after another.")
        if len(sample) < keep:
            cells = row[:width]
            chars += sum(map(len, cells))
            if chars <= SAMPLE_CHARS:
                sample.append([number, cells])
            else:
                keep = 0  # the first rows' text is too big to keep more of it
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if count == 0:
        raise FileProblem("The file has a header row but no data rows.")
    return Inspection(encoding, delimiter, headers, count, sample)
