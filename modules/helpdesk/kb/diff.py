"""The difference between two versions of an article, line by line
(difflib), as rows a template shows as a table: each row says in words
whether a line was added or removed, not only in colour."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

ADDED, REMOVED, SAME = "added", "removed", "same"
LABELS = {ADDED: "Added", REMOVED: "Removed", SAME: "Unchanged"}
CONTEXT = 2


@dataclass(frozen=True)
class Line:
    kind: str
    old_number: int | None
    new_number: int | None
    text: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def lines(old: str, new: str) -> list[Line | None]:
    """Changed lines with `CONTEXT` unchanged lines around them; None marks
    unchanged lines left out."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    out: list[Line | None] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        if out:
            out.append(None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [Line(SAME, i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)]
                continue
            out += [Line(REMOVED, i + 1, None, a[i]) for i in range(i1, i2)]
            out += [Line(ADDED, None, j + 1, b[j]) for j in range(j1, j2)]
    return out


def fields(old, new) -> list[tuple[str, str, str]]:
    """The short fields that changed: (label, before, after)."""
    return [(label, getattr(old, name) if old else "", getattr(new, name))
            for name, label in (("title", "Title"), ("summary", "Summary"))
            if (getattr(old, name) if old else "") != getattr(new, name)]
