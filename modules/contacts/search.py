"""Quick search over names, emails, phones and organisations, through the
database's full-text index: an FTS5 table on SQLite, a GIN-indexed
`to_tsvector` on PostgreSQL, both named `contacts_fts` and kept in step by
`reindex` whenever a contact changes.

Both sides see the same words: text is lower-cased, accents are folded and
punctuation becomes spaces in Python, so "José@ex.org" matches "jose ex".
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import any_, bindparam, func, select, text

from app.extensions import db

_WORD = re.compile(r"[^\w]+", re.UNICODE)
MAX_TERMS = 6


def fold(value: str) -> str:
    if value and value.isascii():  # NFKD leaves ASCII as it is and finds no accent to drop
        return _WORD.sub(" ", value.lower()).replace("_", " ").strip()
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _WORD.sub(" ", plain).replace("_", " ").strip()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def document(contact, emails=(), phones=(), extra=()) -> str:
    """The words a contact is found by."""
    from modules.contacts.phones import display

    parts = [contact.display_name, contact.first_name, contact.middle_name, contact.last_name,
             contact.preferred_name, contact.name, *extra]
    parts += [e.email for e in emails]
    for phone in phones:
        parts += [_digits(phone.number), _digits(display(phone.number))]
    return " ".join(fold(p) for p in parts if p)


def terms(query: str) -> list[str]:
    """Search words; a query that looks like a phone number becomes one run of digits."""
    if re.fullmatch(r"[\d\s()+.-]{4,}", query or ""):
        digits = _digits(query)
        return [digits] if digits else []
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
    words = terms(query)
    if not words:
        return None
    if _dialect() == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return select(text("contact_id")).select_from(text("contacts_fts")).where(
            text("to_tsvector('simple', document) @@ to_tsquery('simple', :q)").bindparams(q=tsquery))
    match = " ".join(f'"{w}"*' for w in words)
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
