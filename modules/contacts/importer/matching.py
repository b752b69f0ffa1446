"""Finding the existing contact a row stands for, and rows that repeat an
earlier row of the same file.

Rules: "email" (any of the row's emails equals any email of a live contact),
"name_postcode" (the same name, accents and case ignored, at the same
postcode, spaces ignored), or "none". Lookups are one IN query per chunk.
A later row with the same email (or name and postcode) as an earlier row of
the file is not imported: it is reported as a problem naming that row.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from modules.contacts.importer.validate import Row
from modules.contacts.lists.search import fold
from modules.contacts.models import PERSON, Contact, ContactEmail

EMAIL, NAME_POSTCODE, NONE = "email", "name_postcode", "none"
RULES = {EMAIL: "By email", NAME_POSTCODE: "By name and postcode", NONE: "Do not match (every row is new)"}


def _postcode(value: str | None) -> str:
    return "".join((value or "").upper().split())


def name_key(kind: str, first: str | None, last: str | None, name: str | None) -> str:
    if kind == PERSON:
        return f"{fold(first or '')}|{fold(last or '')}"
    return f"|{fold(name or '')}"


def keys(row: Row, rule: str) -> list[str]:
    """The row's match keys under `rule` (none when it cannot match)."""
    if rule == EMAIL:
        return list(row.emails)
    if rule == NAME_POSTCODE:
        postcode = _postcode((row.address or {}).get("postcode"))
        if not postcode:
            return []
        v = row.values
        return [f"{name_key(row.kind, v.get('first_name'), v.get('last_name'), v.get('name'))}@{postcode}"]
    return []


def existing(rows: list[Row], rule: str) -> dict[int, int]:
    """`{index in rows: contact id}` for rows that match a live contact (the
    oldest when several do)."""
    if rule == EMAIL:
        emails = {e for row in rows for e in row.emails}
        if not emails:
            return {}
        # Lookups by the email index, then by primary key, with "live" checked
        # here: given a long IN list and `deleted_at IS NULL`, SQLite's planner
        # walks every live contact (the deleted_at indexes), which grows with
        # the database.
        pairs = db.session.execute(select(ContactEmail.email, ContactEmail.contact_id)
                                   .where(ContactEmail.email.in_(emails))).all()
        live = {cid for cid, deleted in db.session.execute(select(Contact.id, Contact.deleted_at).where(
            Contact.id.in_({cid for _, cid in pairs}))) if deleted is None} if pairs else set()
        found: dict[str, int] = {}
        for email, contact_id in sorted(pairs, key=lambda pair: pair[1]):  # the oldest contact first
            if contact_id in live:
                found.setdefault(email.lower(), contact_id)
        out = {}
        for index, row in enumerate(rows):
            hit = next((found[e] for e in row.emails if e in found), None)
            if hit is not None:
                out[index] = hit
        return out
    if rule == NAME_POSTCODE:
        wanted = {i: k[0] for i, row in enumerate(rows) if (k := keys(row, rule))}
        if not wanted:
            return {}
        postcodes = set()
        for row in rows:
            raw = ((row.address or {}).get("postcode") or "").upper()
            if raw:
                postcodes |= {raw, _postcode(raw)}
        found = {}
        for cid, kind, first, last, name, postcode, deleted in db.session.execute(
                select(Contact.id, Contact.kind, Contact.first_name, Contact.last_name, Contact.name,
                       Contact.postcode, Contact.deleted_at)
                .where(Contact.postcode.in_(postcodes)).order_by(Contact.id)):  # by the postcode index (see above)
            if deleted is None:
                found.setdefault(f"{name_key(kind, first, last, name)}@{_postcode(postcode)}", cid)
        return {i: found[k] for i, k in wanted.items() if k in found}
    return {}


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
