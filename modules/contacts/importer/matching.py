"""Finding the existing contact a row stands for, and rows that repeat an
earlier row of the same file.

Rules: "email" (any of the row's emails equals any email of a live contact),
"name_postcode" (the same name, accents and case ignored, at the same
postcode, spaces ignored), or "none": the two ways of
`modules.contacts.people.existing`, which the new-contact form's warning
uses too, so the form and the import cannot disagree about who exists.
Lookups are a few IN queries per chunk.
A later row with the same email (or name and postcode) as an earlier row of
the file is not imported: it is reported as a problem naming that row.
"""

from __future__ import annotations

from modules.contacts.importer.validate import Row
from modules.contacts.people import existing as people
from modules.contacts.people.existing import EMAIL, NAME_POSTCODE, Wanted

NONE = "none"
RULES = {EMAIL: "By email", NAME_POSTCODE: "By name and postcode", NONE: "Do not match (every row is new)"}


def wanted(row: Row) -> Wanted:
    """The row as `people.existing` reads a contact about to be created."""
    v, postcode = row.values, (row.address or {}).get("postcode")
    return Wanted(row.kind, tuple(row.emails), v.get("first_name") or "", v.get("last_name") or "",
                  v.get("name") or "", (postcode,) if postcode else ())


def keys(row: Row, rule: str) -> list[str]:
    """The row's match keys under `rule` (none when it cannot match)."""
    if rule == EMAIL:
        return wanted(row).email_keys()
    if rule == NAME_POSTCODE:
        return wanted(row).place_keys()
    return []


def lookup(rows: list[Row], ways=people.WAYS) -> list[list[people.Match]]:
    """Each row's matches by `ways`, oldest contact first (`people.find_many`)."""
    return people.find_many([wanted(row) for row in rows], ways)


def first_by(matches: list[people.Match], rule: str) -> int | None:
    """The oldest contact that matches by `rule`."""
    return next((m.contact_id for m in matches if rule in m.ways), None)


def existing(rows: list[Row], rule: str) -> dict[int, int]:
    """`{index in rows: contact id}` for rows that match a live contact (the
    oldest when several do)."""
    if rule not in people.WAYS:
        return {}
    found = lookup(rows, (rule,))
    return {i: cid for i, matches in enumerate(found) if (cid := first_by(matches, rule)) is not None}


class Seen:
    """Match keys of the rows read so far in this file: key -> line."""

    def __init__(self, rule: str):
        self.rule = rule
        self.lines: dict[str, int] = {}

    def check(self, row: Row, header_of: dict[str, str]) -> int | None:
        """The line of an earlier row with the same key (and records this row's keys)."""
        found = None
        for key in keys(row, self.rule):
            if key in self.lines:
                found = found or self.lines[key]
            else:
                self.lines[key] = row.line
        if found is not None:
            what = "email" if self.rule == EMAIL else "name and postcode"
            column = header_of.get("email", "") if self.rule == EMAIL else header_of.get("postcode", "")
            row.problems.append((column, f"Same {what} as row {found} of this file; only the first is imported."))
        return found
