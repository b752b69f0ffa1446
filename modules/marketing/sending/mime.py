"""A campaign message's bytes: headers, then a multipart/alternative body
with a plain-text and an HTML part, both UTF-8 quoted-printable.

Written directly with the standard library's encoders (binascii's
quoted-printable, email.header's encoded words for non-ASCII headers)
rather than through email.generator: for this one fixed shape the
generator's general machinery (refolding every header, checking the body
for the boundary, quoted-printable in pure Python) was a third of the cost
of sending a message. The boundary holds "=_", which quoted-printable text
can never contain, so it needs no search of the body.
"""

from __future__ import annotations

import binascii
import secrets
from email.header import Header

CRLF = b"\r\n"
LINESEP = "\r\n"
FOLD_AT = 78  # RFC 5322's recommended line length
QP_LINE = 76  # RFC 2045's limit for a quoted-printable line


def header(name: str, value: str) -> bytes:
    """One header line: ASCII folded at its spaces when long, non-ASCII as
    RFC 2047 encoded words (email.header). Line breaks in a value become
    spaces: nothing can add a header."""
    value = " ".join(value.split())
    if not value.isascii():
        encoded = Header(value, "utf-8", header_name=name).encode(linesep=LINESEP, maxlinelen=FOLD_AT)
        return f"{name}: {encoded}".encode("ascii")
    lines, line, words = [], f"{name}:", 0
    for word in value.split(" "):
        if words and len(line) + 1 + len(word) > FOLD_AT:  # fold before this word
            lines.append(line)
            line = ""
        line += " " + word
        words += 1
    return LINESEP.join((*lines, line)).encode("ascii")


def _quoted_printable(text: str) -> bytes:
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return CRLF.join(piece for line in body.split(b"\n") for piece in _within_limit(line))


def _within_limit(line: bytes) -> list[bytes]:
    """binascii lets a line ending in encoded whitespace run a character or
    two past RFC 2045's 76: such a line gets one more soft break, never
    inside an "=XX" escape."""
    pieces = []
    while len(line) > QP_LINE:
        cut = QP_LINE - 1
        if line[cut - 1:cut] == b"=":
            cut -= 1
        elif line[cut - 2:cut - 1] == b"=":
            cut -= 2
        pieces.append(line[:cut] + b"=")
        line = line[cut:]
    pieces.append(line)
    return pieces


def _part(subtype: str, text: str) -> bytes:
    return CRLF.join((f'Content-Type: text/{subtype}; charset="utf-8"'.encode("ascii"),
                      b"Content-Transfer-Encoding: quoted-printable", b"", _quoted_printable(text)))


def alternative(headers: list[tuple[str, str]], text: str, html: str) -> bytes:
    """The message: `headers` (name, value) in order, then both parts."""
    boundary = f"=_steward_{secrets.token_hex(8)}"
    lines = [header(name, value) for name, value in headers]
    lines += [b"MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"'.encode("ascii"),
              b""]
    marker = f"--{boundary}".encode("ascii")
    return CRLF.join((*lines, marker, _part("plain", text), marker, _part("html", html),
                      marker + b"--", b""))
