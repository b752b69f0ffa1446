"""Undoing an import from its summary page.

- Updated contacts get back what the import changed (their `before`).
- Created contacts are deleted for good when nobody has touched them since
  (no edit, no timeline entry besides the import's own, no task, not in the
  trash): nothing of value is lost, and the trash is not flooded with an
  import's worth of rows. A created contact that someone has worked on since
  is moved to the trash instead, so that work can still be restored.

Runs in chunks of CHUNK changes, each a handful of statements (no ORM
object per contact); imports with more than IN_REQUEST changes are undone by
the "contacts.import" job (mode "undo") with progress.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, select, update

from app import audit, bulk_insert
from app.extensions import db
from app.models.base import utcnow
from modules.contacts import signals
from modules.contacts.importer import documents, snapshot, updates, value_lists
from modules.contacts.importer.run import activity_subject, fewer_collections
from modules.contacts.lists import search
from modules.contacts.models import Activity, Contact, ImportChange, ImportRun, Task
from modules.contacts.people import phones, records

# Changes undone together: an updated contact with two changes in one chunk
# gets the later `before` once, as it always has. Commits every COMMIT_EVERY chunks.
CHUNK = 1000
COMMIT_EVERY = 5
CONTACTS = Contact.__table__
IN_REQUEST = 2_000


def change_count(run: ImportRun) -> int:
    return db.session.scalar(select(func.count()).select_from(ImportChange).where(
        ImportChange.import_id == run.id)) or 0


def _touched(ids: list[int], run: ImportRun) -> set[int]:
    """Created contacts that someone has worked on since the import."""
    finished = run.finished_at or utcnow()
    touched = set(db.session.scalars(select(Contact.id).where(
        Contact.id.in_(ids), (Contact.updated_at > finished) | Contact.deleted_at.is_not(None))))
    touched |= set(db.session.scalars(select(Activity.contact_id).where(
        Activity.contact_id.in_(ids), Activity.subject != activity_subject(run)).distinct()))
    touched |= set(db.session.scalars(select(Task.contact_id).where(Task.contact_id.in_(ids)).distinct()))
    return touched


def _remove_created(ids: list[int], run: ImportRun, user) -> tuple[int, int]:
    touched = _touched(ids, run)
    names = dict(db.session.execute(select(Contact.id, Contact.display_name).where(Contact.id.in_(ids))).all())
    purge = [cid for cid in ids if cid not in touched and cid in names]
    keep = [cid for cid in ids if cid in touched and cid in names]
    if purge:
        signals.contacts_purged.send(purge)
        search.unindex(purge)
        audit.record_many(audit.DELETE, "contacts_contact", [
            (cid, f"Removed {names[cid]}: the import #{run.id} that created them was undone", None)
            for cid in purge], user=user)
        # one statement; the database's ON DELETE rules remove their details
        db.session.execute(delete(Contact.__table__).where(Contact.__table__.c.id.in_(purge)))
    trashed = 0
    if keep:
        contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(keep))))
        trashed = records.trash(contacts, user=user)
    return len(purge), trashed


def _restore_updated(before: dict[int, dict | None], run: ImportRun, user) -> int:
    """Give updated contacts back what the import changed, table by table
    (the contacts in id order): returns how many were found."""
    contacts = updates.load(sorted(before))
    found = [contacts[cid] for cid in sorted(contacts)]
    out, now, home = snapshot.Restores(), utcnow(), phones.default_region()
    user_id, subject = getattr(user, "id", None), f"Import of {run.filename} undone"[:200]
    rows: dict[tuple[str, ...], list[dict]] = {}  # the columns an UPDATE sets -> its parameters
    entries, activity, docs = [], [], []
    for contact in found:
        changed = snapshot.restore(contact, before[contact.id] or {}, out)
        contact.updated_at = now
        columns = tuple(sorted(k for k in changed if k in CONTACTS.c)) + updates.DERIVED
        rows.setdefault(columns, []).append({"b_id": contact.id, **{f"b_{c}": getattr(contact, c) for c in columns}})
        entries.append((contact.id, f"Restored {contact.display_name}: import #{run.id} was undone", changed))
        activity.append((contact.id, "change", subject, "", now, now, user_id))
        if contact.deleted_at is None:
            docs.append((contact.id, documents.document(contact, contact.emails, [
                documents.phone_parts(p.number, home) for p in contact.phones])))
    for columns, params in rows.items():
        db.session.execute(update(CONTACTS).where(CONTACTS.c.id == bindparam("b_id")).values(
            {c: bindparam(f"b_{c}", type_=CONTACTS.c[c].type) for c in columns}), params)
    out.write()
    bulk_insert.insert_rows(Activity.__table__, ("contact_id", "kind", "subject", "body", "occurred_at",
                                                 "created_at", "user_id"), activity)
    search.reindex(docs)
    audit.record_many(audit.UPDATE, "contacts_contact", entries, user=user)
    return len(found)


def _commit(done: int, total: int, progress) -> None:
    if progress:
        progress(done, total)  # commits
    else:
        db.session.commit()


def undo(run: ImportRun, user=None, *, progress=None) -> dict:
    """Undo `run`; commits per chunk. Returns what it did."""
    if run.undone_at is not None:
        return {"already": True}
    with fewer_collections():
        return _undo(run, user, progress)


def _undo(run: ImportRun, user, progress) -> dict:
    total = change_count(run)
    removed = trashed = restored = done = chunks = 0
    last = 0
    table = ImportChange.__table__
    while True:
        changes = db.session.execute(select(table.c.id, table.c.contact_id, table.c.action, table.c.before).where(
            table.c.import_id == run.id, table.c.id > last).order_by(table.c.id).limit(CHUNK)).all()
        if not changes:
            break
        last = changes[-1].id
        created = [c.contact_id for c in changes if c.action == "created" and c.contact_id]
        if created:
            r, t = _remove_created(created, run, user)
            removed, trashed = removed + r, trashed + t
        updated = {c.contact_id: c.before for c in changes if c.action == "updated" and c.contact_id}
        if updated:
            restored += _restore_updated(updated, run, user)
        done += len(changes)
        chunks += 1
        if chunks % COMMIT_EVERY == 0:
            _commit(done, total, progress)
    if chunks % COMMIT_EVERY:
        _commit(done, total, progress)
    values = value_lists.remove_created(run)  # the tags and choices it created, if nothing uses them now
    run.undone_at, run.status = utcnow(), "undone"
    audit.record(audit.DELETE, run, user=user,
                 summary=f"Undid the import of {run.filename}: {removed:,} removed, {trashed:,} moved to the trash, "
                         f"{restored:,} restored. {values}".strip())
    db.session.commit()
    out = {"removed": removed, "trashed": trashed, "restored": restored}
    if values:
        out["values"] = values
    return out
