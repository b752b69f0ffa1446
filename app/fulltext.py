"""A full-text index of documents of one kind, on both databases: the
service contacts' quick search is built on (modules/contacts/lists/search.py),
for any other kind of document (knowledge-base articles, ...).

An index is a table `<name>` of `(key, document)`: on SQLite an FTS5
virtual table (the key is its rowid), on PostgreSQL a plain table with a GIN
index on `to_tsvector('simple', document)`. `create(op, name)` makes it from
a migration. Callers fold their text to plain lower-case words first (the
same `fold` on both sides, e.g. contacts' `fold`), so both databases see the
same words; `Index` then keeps entries and answers prefix queries, ranked.

    kb = Index("helpdesk_kb_fts")
    kb.put([(article.id, "how to reset my password ...")])
    ids = kb.search(["reset", "pass"], limit=10)            # every word, best first
    ids = kb.search(words, limit=5, every=False)              # any word (suggestions)
"""

from __future__ import annotations

from sqlalchemy import bindparam, text

from app.extensions import db


def create(op, name: str) -> None:
    """Create the index table `name` in a migration (`op` is alembic's)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE TABLE {name} (key integer PRIMARY KEY, document text NOT NULL)")
        op.execute(f"CREATE INDEX ix_{name}_document ON {name} USING gin (to_tsvector('simple', document))")
    else:
        op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(document, prefix='2 3', "
                   "tokenize='unicode61 remove_diacritics 2')")


def drop(op, name: str) -> None:
    op.execute(f"DROP TABLE IF EXISTS {name}")


class Index:
    """One full-text table. Names are fixed by code, never by input."""

    def __init__(self, table: str):
        if not table.replace("_", "").isalnum():
            raise ValueError(f"not a table name: {table!r}")
        self.table = table

    @staticmethod
    def _postgres() -> bool:
        return db.session.get_bind().dialect.name == "postgresql"

    @property
    def _key(self) -> str:
        return "key" if self._postgres() else "rowid"

    def put(self, rows: list[tuple[int, str]]) -> None:
        """Replace the entries of `(key, document)` rows."""
        if not rows:
            return
        self.remove([key for key, _ in rows])
        db.session.execute(text(f"INSERT INTO {self.table} ({self._key}, document) VALUES (:key, :doc)"),  # noqa: S608
                           [{"key": key, "doc": doc} for key, doc in rows])

    def remove(self, keys: list[int]) -> None:
        if keys:
            db.session.execute(text(f"DELETE FROM {self.table} WHERE {self._key} IN :keys")  # noqa: S608
                               .bindparams(bindparam("keys", expanding=True)), {"keys": list(keys)})

    def search(self, words: list[str], limit: int, *, every: bool = True, within: list[int] | None = None) -> list[int]:
        """Keys of documents with a word starting with each of `words` (with
        `every=False`: with any of them), most relevant first: bm25 on SQLite,
        ts_rank on PostgreSQL. `words` are folded words (letters and digits)."""
        words = [w for w in words if w.isalnum()]
        if not words:
            return []
        params: dict = {"limit": limit}
        if self._postgres():
            params["q"] = (" & " if every else " | ").join(f"{w}:*" for w in words)
            sql = (f"SELECT key FROM {self.table} WHERE to_tsvector('simple', document) @@ to_tsquery('simple', :q)"  # noqa: S608
                   "{within} ORDER BY ts_rank(to_tsvector('simple', document), to_tsquery('simple', :q)) DESC, key "
                   "LIMIT :limit")
            column = "key"
        else:
            params["q"] = (" " if every else " OR ").join(f'"{w}"*' for w in words)
            sql = (f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH :q{{within}} "  # noqa: S608
                   "ORDER BY bm25({table}), rowid LIMIT :limit").replace("{table}", self.table)
            column = "rowid"
        statement = text(sql.replace("{within}", f" AND {column} IN :within" if within is not None else ""))
        if within is not None:
            if not within:
                return []
            statement = statement.bindparams(bindparam("within", expanding=True))
            params["within"] = list(within)
        return [row[0] for row in db.session.execute(statement, params)]
