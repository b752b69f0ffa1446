"""The workbook limits `workbook.check` applies from the sizes a zip's
directory declares, before anything unpacks a part: each limit refused with
its message, and a workbook within them passed. The declared sizes are
written into the directory by hand, so no test unpacks a large part."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest

from modules.contacts.importer import workbook
from modules.contacts.importer.problem import FileProblem

MB = 1024 * 1024


def stored(parts: dict[str, bytes]) -> bytes:
    """A zip of `parts`, stored (not compressed): packed size = real size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return buffer.getvalue()


def claiming(data: bytes, name: str, *, packed: int | None = None, unpacked: int | None = None) -> bytes:
    """`data` whose directory declares other sizes for part `name`."""
    at = data.rindex(name.encode()) - 46  # the directory's entry: 46 bytes, then the name
    assert data[at:at + 4] == b"PK\x01\x02"
    if packed is not None:
        data = data[:at + 20] + struct.pack("<I", packed) + data[at + 24:]
    if unpacked is not None:
        data = data[:at + 24] + struct.pack("<I", unpacked) + data[at + 28:]
    return data


SHEET = "xl/worksheets/sheet1.xml"


def test_a_workbook_within_the_limits_passes_and_says_what_it_unpacks_to():
    data = claiming(stored({SHEET: os.urandom(2 * MB)}), SHEET, unpacked=150 * MB)  # packed 75 times
    assert workbook.check(data) == 150 * MB


@pytest.mark.parametrize(("data", "message"), [
    (claiming(stored({SHEET: os.urandom(2 * MB)}), SHEET, unpacked=250 * MB),
     "This workbook unpacks to more than 100 times its size"),
    (claiming(stored({SHEET: os.urandom(6 * MB)}), SHEET, unpacked=520 * MB),
     "This workbook unpacks to more than 512 MB."),
    (claiming(stored({SHEET: b"<x/>", "xl/sharedStrings.xml": os.urandom(MB)}), "xl/sharedStrings.xml",
              unpacked=65 * MB),
     "Besides its sheets, this workbook holds a part of more than 64 MB"),
    # parts that claim more packed bytes than the file holds (overlapping
    # parts, or a packed size raised to pass the ratio)
    (claiming(stored({SHEET: os.urandom(MB)}), SHEET, packed=3 * MB, unpacked=250 * MB),
     "This workbook could not be opened."),
    (b"PK\x03\x04 not a zip", "This workbook could not be opened."),
], ids=["ratio", "total", "part", "claims", "damaged"])
def test_each_limit_is_refused_from_the_declared_sizes(data, message):
    with pytest.raises(FileProblem) as refused:
        workbook.check(data)
    assert message in str(refused.value)
