"""search finds every Latin letter variant and a phone's last digits:
re-fold the quick-search documents and the sort names already stored

`search.fold` now reads ł, ø, đ, ß, æ, œ, þ and the other letters Unicode
does not decompose as their plain forms, and each phone is also indexed
backwards so that its last digits find it (modules/contacts/lists/search.py).
Folding what is stored gives what folding the original gives, so the
stored documents are re-folded where they are, and each run of four or
more digits in them (a phone's digits) gains its backwards word. About a
minute per million contacts.

Revision ID: contacts_0005
Revises: contacts_0004
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = 'contacts_0005'
down_revision = 'contacts_0004'
branch_labels = None
depends_on = None

BATCH = 5000


def _refolded(document: str) -> str:
    from modules.contacts.lists.search import backwards, fold

    words = fold(document).split()
    return " ".join(words + [backwards(w) for w in words if w.isdigit() and backwards(w)])


def _each_batch(bind, select_sql: str):
    last = -1
    while True:
        rows = bind.execute(sa.text(select_sql), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade():
    from modules.contacts.lists.search import fold

    bind = op.get_bind()
    key = "contact_id" if bind.dialect.name == "postgresql" else "rowid"
    select_docs = f"SELECT {key}, document FROM contacts_fts WHERE {key} > :last ORDER BY {key} LIMIT :n"  # noqa: S608
    update_doc = sa.text(f"UPDATE contacts_fts SET document = :doc WHERE {key} = :id")  # noqa: S608
    for rows in _each_batch(bind, select_docs):
        changed = [{"id": i, "doc": new} for i, doc in rows if (new := _refolded(doc)) != doc]
        if changed:
            bind.execute(update_doc, changed)
    select_names = "SELECT id, sort_name FROM contacts_contact WHERE id > :last ORDER BY id LIMIT :n"
    update_name = sa.text("UPDATE contacts_contact SET sort_name = :name WHERE id = :id")
    for rows in _each_batch(bind, select_names):
        changed = [{"id": i, "name": new} for i, name in rows
                   if name and not name.isascii() and (new := fold(name)) != name]
        if changed:
            bind.execute(update_name, changed)


def downgrade():
    pass  # the re-folded words find everything the old ones did
