"""Quick search over names, emails, phones and organisations, through the
database's full-text index: an FTS5 table on SQLite, a GIN-indexed
`to_tsvector` on PostgreSQL, both named `contacts_fts` and kept in step by
`reindex` whenever a contact changes.

Both sides see the same words: text is lower-cased, accents are folded and
punctuation becomes spaces in Python, so "José@ex.org" matches "jose ex".
Phones are found by their first digits and by their last: each number is
also indexed backwards ("r" + reversed digits), so "0140" or "555-0140"
finds +1 524 555 0140 as a prefix of "r0410555425".
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii
from sqlalchemy import any_, bindparam, func, select, text

from app.extensions import db

_WORD = re.compile(r"[^\w]+", re.UNICODE)
_PHONE_QUERY = re.compile(r"[\d\s()+.-]{4,}")
MAX_TERMS = 6
SUFFIX_DIGITS = 4  # the fewest last digits a phone is found by

def fold(value: str) -> str:
    """`value` as search words: lower case, plain letters, punctuation as
    spaces. Accents go first (NFKD), then AnyAscii spells what is left as
    people type it on a plain keyboard: "Żółć" and "Łukasz Ødegård" read
    "zolc", "lukasz odegard"; "Straße" reads "strasse"; other scripts are
    romanised the same way on both sides of a search."""
    if value and value.isascii():  # NFKD leaves ASCII as it is and finds no accent to drop
        return _WORD.sub(" ", value.lower()).replace("_", " ").strip()
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = anyascii("".join(ch for ch in decomposed if not unicodedata.combining(ch))).lower()
    return _WORD.sub(" ", plain).replace("_", " ").strip()


def backwards(digits: str) -> str:
    """A phone's digits as the word its last digits are found by."""
    return "r" + digits[::-1] if len(digits) >= SUFFIX_DIGITS else ""


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def document(contact, emails=(), phones=(), extra=()) -> str:
    """The words a contact is found by."""
    from modules.contacts.people.phones import display

    parts = [contact.display_name, contact.first_name, contact.middle_name, contact.last_name,
             contact.preferred_name, contact.name, *extra]
    parts += [e.email for e in emails]
    for phone in phones:
        digits = _digits(phone.number)
        parts += [digits, _digits(display(phone.number)), backwards(digits)]
    return " ".join(fold(p) for p in parts if p)


def phone_query(query: str) -> str | None:
    """The digits of a query that looks like (part of) a phone number."""
    if _PHONE_QUERY.fullmatch(query or ""):
        return _digits(query) or None
    return None


def terms(query: str) -> list[str]:
    """Search words, all of which a contact's words must start with."""
    return fold(query).split()[:MAX_TERMS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def reindex(rows: list[tuple[int, str]]) -> None:
    """Replace the index entries of `(contact_id, document)` rows."""
    if not rows:
        return
    ids = [cid for cid, _ in rows]
    if _dialect() == "postgresql":
        db.session.execute(text("DELETE FROM contacts_fts WHERE contact_id IN :ids")
                           .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
        db.session.execute(text("INSERT INTO contacts_fts (contact_id, document) VALUES (:id, :doc)"),
                           [{"id": cid, "doc": doc} for cid, doc in rows])
    else:
        db.session.execute(text("DELETE FROM contacts_fts WHERE rowid IN :ids")
                           .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
        db.session.execute(text("INSERT INTO contacts_fts (rowid, document) VALUES (:id, :doc)"),
                           [{"id": cid, "doc": doc} for cid, doc in rows])


def unindex(ids: list[int]) -> None:
    if not ids:
        return
    column = "contact_id" if _dialect() == "postgresql" else "rowid"
    db.session.execute(text(f"DELETE FROM contacts_fts WHERE {column} IN :ids")  # noqa: S608 (fixed names)
                       .bindparams(bindparam("ids", expanding=True)), {"ids": ids})


def matching_ids(query: str):
    """A SELECT of the ids of contacts whose words start with every search term,
    or None when the query has no words. Callers add their own order and limit."""
    digits = phone_query(query)
    words = [digits] if digits else terms(query)
    if not words:
        return None
    postgres = _dialect() == "postgresql"
    if digits and backwards(digits):
        # Its first digits, or its last: as typed, and without a trunk 0 ("087 123 4567" is +353 87 123 4567).
        either = dict.fromkeys(w for w in (digits, backwards(digits), backwards(digits.lstrip("0"))) if w)
        match = " | ".join(f"{w}:*" for w in either) if postgres else " OR ".join(f'"{w}"*' for w in either)
    elif postgres:
        match = " & ".join(f"{w}:*" for w in words)
    else:
        match = " ".join(f'"{w}"*' for w in words)
    if postgres:
        return select(text("contact_id")).select_from(text("contacts_fts")).where(
            text("to_tsvector('simple', document) @@ to_tsquery('simple', :q)").bindparams(q=match))
    return select(text("rowid")).select_from(text("contacts_fts")).where(
        text("contacts_fts MATCH :q").bindparams(q=match))


def matching(query: str, id_column):
    """A condition: `id_column` is the id of a contact matching `query`, or
    None when the query has no words.

    On PostgreSQL `id = ANY(ARRAY(SELECT ...))`, not `id IN (SELECT ...)`: the
    planner cannot tell how many contacts a prefix matches, and for a common
    name it hashed the matches and read the whole contact table (124 ms for
    "smith" at 100,000 contacts) instead of fetching the matches by id (21 ms).
    SQLite, with statistics (app/dbstats.py), drives from the matches itself."""
    ids = matching_ids(query)
    if ids is None:
        return None
    if _dialect() == "postgresql":
        return id_column == any_(func.array(ids.scalar_subquery()))
    return id_column.in_(ids)
