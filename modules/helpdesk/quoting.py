"""Fold quoted history and signatures away from what a person wrote.

quotequail or mail-parser-reply would do this better (DESIGN.md names
them); neither is installed yet, so this is a small splitter on the markers
real clients write. It never deletes: the caller keeps the whole text and
shows the folded part behind a "show quoted text" switch.

Markers, in the order they usually appear:
- "On <date>, <name> wrote:" (Gmail, Apple Mail, Thunderbird; Gmail wraps
  it over two lines), and the same in German, French, Spanish, Dutch,
  Swedish/Norwegian;
- "-----Original Message-----" and Outlook's header block ("From: ...",
  then "Sent:"/"Date:" and "To:"/"Subject:"), often under a line of "_";
- "Begin forwarded message:" / "---------- Forwarded message ---------";
- a run of lines starting with ">";
- the signature separator "-- " (RFC 3676)."""

from __future__ import annotations

import re

WROTE = re.compile(  # the writer's name may come before the verb (English) or after it (German, Dutch)
    r"^\s*(On|Am|Le|El|Op|Den)\s.{4,300}?\b(wrote|schrieb|a\s+écrit|escribió|schreef|skrev)\b.{0,300}?:\s*$",
    re.IGNORECASE | re.DOTALL)
SEPARATORS = re.compile(
    r"^\s*(-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Ursprüngliche Nachricht\s*-{2,}|_{10,}"
    r"|-{5,}\s*Forwarded message\s*-{5,}|Begin forwarded message:)\s*$", re.IGNORECASE)
HEADER_BLOCK = re.compile(r"^\s*\*?(From|Von|De|Van|Från)\s*:\*?\s", re.IGNORECASE)
HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé|To|An|À|Subject|Betreff|Cc)\s*:", re.IGNORECASE)
SIGNATURE = re.compile(r"^-- ?$")


def split(text: str) -> tuple[str, str]:
    """(what is new, the quoted history and signature): new + quoted == text."""
    lines = text.splitlines(keepends=True)
    cut = _cut(lines)
    if cut is None:
        return text, ""
    return "".join(lines[:cut]), "".join(lines[cut:])


def _cut(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        bare = line.rstrip("\r\n")
        if i == 0 and not bare.strip():
            continue
        if SIGNATURE.match(bare) or SEPARATORS.match(bare):
            return i
        if WROTE.match(bare):
            return i
        # Gmail wraps a long attribution: "On Tue, 1 Dec 2026 at 10:00, Ann Able <" / "ann@x> wrote:"
        if i + 1 < len(lines) and re.match(r"^\s*(On|Am|Le|El|Op|Den)\s", bare) \
                and WROTE.match(bare + " " + lines[i + 1].strip()):
            return i
        if HEADER_BLOCK.match(bare) and any(HEADER_NEXT.match(n) for n in lines[i + 1:i + 4]):
            return i
        if bare.startswith(">") and _quoted_run(lines, i):
            return i
    return None


def _quoted_run(lines: list[str], start: int) -> bool:
    """Lines from `start` on are all quoted, blank or a signature: the history, not an inline answer."""
    rest = [line.rstrip("\r\n") for line in lines[start:]]
    return all(not line.strip() or line.startswith(">") for line in rest)
