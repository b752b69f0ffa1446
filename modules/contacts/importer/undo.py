"""Undoing an import from its summary page.

- Updated contacts get back what the import changed (their `before`).
- Created contacts are deleted for good when nobody has touched them since
  (no edit, no timeline entry besides the import's own, no task, not in the
  trash): nothing of value is lost, and the trash is not flooded with an
  import's worth of rows. A created contact that someone has worked on since
  is moved to the trash instead, so that work can still be restored.

Runs in chunks; imports with more than IN_REQUEST changes are undone by the
"contacts.import" job (mode "undo") with progress.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from app import audit
from app.extensions import db
from app.models.base import utcnow
from modules.contacts import records, search, signals
from modules.contacts.importer import snapshot
from modules.contacts.importer.run import activity_subject
from modules.contacts.models import Activity, Contact, ImportChange, ImportRun, Task

CHUNK = 1000
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
        db.session.execute(delete(Contact).where(Contact.id.in_(purge)))
    trashed = 0
    if keep:
        contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(keep))))
        trashed = records.trash(contacts, user=user)
    return len(purge), trashed


def undo(run: ImportRun, user=None, *, progress=None) -> dict:
    """Undo `run`; commits per chunk. Returns what it did."""
    if run.undone_at is not None:
        return {"already": True}
    total = change_count(run)
    removed = trashed = restored = done = 0
    last = 0
    while True:
        changes = list(db.session.scalars(select(ImportChange).where(
            ImportChange.import_id == run.id, ImportChange.id > last).order_by(ImportChange.id).limit(CHUNK)))
        if not changes:
            break
        last = changes[-1].id
        created = [c.contact_id for c in changes if c.action == "created" and c.contact_id]
        if created:
            r, t = _remove_created(created, run, user)
            removed, trashed = removed + r, trashed + t
        updated = {c.contact_id: c.before for c in changes if c.action == "updated" and c.contact_id}
        if updated:
            contacts = db.session.scalars(select(Contact).where(Contact.id.in_(updated)).options(
                selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses),
                selectinload(Contact.tags))).all()
            entries, now = [], utcnow()
            for contact in contacts:
                changed = snapshot.restore(contact, updated[contact.id] or {})
                contact.updated_at = now
                entries.append((contact.id, f"Restored {contact.display_name}: import #{run.id} was undone",
                                changed))
                db.session.add(Activity(contact_id=contact.id, kind="change", user_id=getattr(user, "id", None),
                                        subject=f"Import of {run.filename} undone"[:200]))
            db.session.flush()
            records.index([c for c in contacts if c.deleted_at is None])
            audit.record_many(audit.UPDATE, "contacts_contact", entries, user=user)
            restored += len(contacts)
        done += len(changes)
        if progress:
            progress(done, total)
        else:
            db.session.commit()
    run.undone_at, run.status = utcnow(), "undone"
    audit.record(audit.DELETE, run, user=user,
                 summary=f"Undid the import of {run.filename}: {removed:,} removed, {trashed:,} moved to the trash, "
                         f"{restored:,} restored")
    db.session.commit()
    return {"removed": removed, "trashed": trashed, "restored": restored}
