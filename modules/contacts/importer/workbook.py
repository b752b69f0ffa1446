"""The first sheet of an XLSX workbook, read so that a small file cannot make
the server do a great deal of work (a "spreadsheet bomb").

An XLSX file is a zip of XML parts. `check` looks at the sizes the zip
declares for its parts before anything parses them; Python's zipfile never
unpacks more than a part's declared size (a part that unpacks to more fails
its CRC check), so those sizes bound the work. It refuses a workbook

- whose parts claim more packed bytes than the file holds (parts that
  overlap, or a packed size raised to hide a part's ratio);
- with a part that unpacks to more than RATIO_MAX times its packed size:
  spreadsheet programs pack a sheet 5 to 20 times; a hundred is also the
  limit Apache POI applies by default;
- that unpacks to more than UNPACKED_MAX in all;
- with a part other than a worksheet bigger than PART_MAX: openpyxl reads
  those (the shared strings, the styles) whole into memory.

`rows` yields the rows the sheet holds, with their row numbers, parsed by
openpyxl's own sheet parser. It does not use openpyxl's read-only
`iter_rows`, which pads: it yields an empty row for every row number missing
between two rows, and widens every row to the sheet's declared dimension (a
1.5 KB sheet declaring A1:XFD1048576, with one cell in its last row, made it
build a million rows of 16,384 cells). It also keeps no parsed row, and stops
at the end of the sheet's data.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from modules.contacts.importer.problem import FileProblem

MB = 1024 * 1024
RATIO_MAX = 100
RATIO_FROM = 1 * MB  # smaller parts are cheap to parse whatever they unpack to
UNPACKED_MAX = 512 * MB
PART_MAX = 64 * MB
SHEETS = "xl/worksheets/"

CANNOT_OPEN = ("This workbook could not be opened. Save it again from your spreadsheet program, "
               "or export it as CSV.")
CANNOT_READ = ("This workbook could not be read. Save it again from your spreadsheet program, "
               "or export it as CSV.")


def check(data: bytes) -> int:
    """Refuse (FileProblem) a workbook that would unpack too far; otherwise
    the bytes it unpacks to, which is what reading it costs."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise FileProblem(CANNOT_OPEN) from None
    if sum(part.compress_size for part in parts) > len(data):
        raise FileProblem(CANNOT_OPEN)
    total = 0
    for part in parts:
        size = part.file_size
        total += size
        if size > RATIO_FROM and size > RATIO_MAX * part.compress_size:
            raise FileProblem(f"This workbook unpacks to more than {RATIO_MAX} times its size, which spreadsheet "
                              "programs never do. Open it in your spreadsheet program and save it again, "
                              "or export it as CSV.")
        if size > PART_MAX and not part.filename.startswith(SHEETS):
            raise FileProblem(f"Besides its sheets, this workbook holds a part of more than {PART_MAX // MB} MB "
                              "(its list of texts, or its formatting). Export it as CSV and import that instead.")
    if total > UNPACKED_MAX:
        raise FileProblem(f"This workbook unpacks to more than {UNPACKED_MAX // MB} MB. Export it as CSV, "
                          "or split it into smaller workbooks.")
    return total


def rows(data: bytes, width: int) -> Iterator[tuple[int, list]]:
    """(row number, values of its first `width` columns) for each row of the
    first sheet. Formulas come back as their text, never evaluated. Call
    `check` first."""
    from openpyxl import load_workbook  # loaded when used: ~15 MB

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # zip or XML damage: openpyxl raises many kinds
        raise FileProblem(CANNOT_OPEN) from None
    try:
        if not book.worksheets:
            raise FileProblem("This workbook has no sheet to import.")
        yield from _sheet_rows(book, book.worksheets[0], width)
    finally:
        book.close()


def _sheet_rows(book, sheet, width: int) -> Iterator[tuple[int, list]]:
    # openpyxl's read-only sheet keeps the source and the shared strings in
    # private attributes; openpyxl is pinned in requirements.txt.
    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse  # defusedxml's when installed, as openpyxl uses

    parser = WorkSheetParser(None, sheet._shared_strings, data_only=False, epoch=book.epoch,
                             date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
    data = None
    try:
        with sheet._get_source() as source:
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    if element.tag == DATA_TAG:
                        data = element
                elif element.tag == ROW_TAG:
                    number, cells = parser.parse_row(element)
                    parser.row_dimensions.clear()  # each formatted row's attributes: not needed here
                    (data if data is not None else element).clear()  # the rows parsed so far
                    yield number, _values(cells, width)
                elif element.tag == DATA_TAG:
                    return  # the end of the data: what follows is formatting
    except Exception:  # bad XML, a bad cell reference or string index
        raise FileProblem(CANNOT_READ) from None


def _values(cells: list[dict], width: int) -> list:
    values: list = []
    for cell in cells:
        column = cell["column"]
        if column <= width:
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values[column - 1] = cell["value"]
    return values
