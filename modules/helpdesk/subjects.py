"""Subjects: the ticket number in one ("[#1042]"), and the normalised key
the fallback threading compares (Re:/Fwd:/AW:/SV:... and the number stripped,
spaces squeezed, case folded)."""

from __future__ import annotations

import re

from modules.helpdesk.models import NUMBER_OFFSET

NUMBER = re.compile(r"\[#(\d{1,12})\]")
PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|rif|tr|r|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def ticket_number(subject: str) -> int | None:
    found = NUMBER.search(subject or "")
    return int(found.group(1)) if found else None


def ticket_id(subject: str) -> int | None:
    number = ticket_number(subject)
    return number - NUMBER_OFFSET if number and number > NUMBER_OFFSET else None


def key(subject: str) -> str:
    text = NUMBER.sub(" ", subject or "")
    previous = None
    while previous != text:  # "Re: Fwd: Re: ..." and "Re: [#1042] Re: ..."
        previous, text = text, PREFIX.sub("", text)
    return " ".join(text.split()).casefold()[:300]


def with_number(subject: str, number: int) -> str:
    """The subject of a reply: "Re: <subject> [#1042]", the number once."""
    base = NUMBER.sub("", subject or "").strip()
    base = base if PREFIX.match(base) else f"Re: {base}"
    return f"{' '.join(base.split())} [#{number}]"
