"""Bulk actions on a selection of contacts or on a whole filtered list: add
or remove a tag, assign an owner, move to the trash, export (through
modules/contacts/lists/export.py, as CSV or XLSX).

Work goes in chunks of CHUNK ids, walked by id (keyset), so no more than a
chunk of rows is in memory; a whole-list action re-evaluates the filter as
it runs. Every contact touched gets an audit entry and a timeline entry.
More than BACKGROUND_OVER contacts run as a background job ("contacts.bulk")
with progress on its page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from app import audit
from app.extensions import db
from app.ids import parse_id
from app.models import User
from app.models.base import utcnow
from modules.contacts import hooks
from modules.contacts.lists import export, queries
from modules.contacts.models import Activity, Contact, ContactTag, Tag
from modules.contacts.people import records

CHUNK = 500
BACKGROUND_OVER = 2_000


@dataclass(frozen=True)
class Action:
    key: str
    label: str  # "Add tag"
    permission: str
    needs: str = ""  # "tag" or "owner": the confirmation asks for it


ACTIONS = {a.key: a for a in (
    Action("tag_add", "Add a tag", "contacts.edit", "tag"),
    Action("tag_remove", "Remove a tag", "contacts.edit", "tag"),
    Action("owner", "Assign an owner", "contacts.edit", "owner"),
    Action("export", "Export (CSV or XLSX)", "contacts.export"),
    Action("trash", "Move to the trash", "contacts.delete"),
)}


@dataclass
class Selection:
    """What an action applies to: chosen ids, or everything the list query
    matches (re-evaluated when the action runs)."""

    scope: str  # "selected" or "all"
    ids: list[int]
    lq: queries.ListQuery

    def ids_select(self, specs):
        if self.scope == "all":
            return queries.ids_select(self.lq, specs)
        return select(Contact.id).where(Contact.id.in_(self.ids), Contact.deleted_at.is_(None))

    def to_args(self) -> dict:
        return {"scope": self.scope, "ids": self.ids if self.scope != "all" else [],
                "query": self.lq.to_json()}


def read_ids(values) -> list[int]:
    return sorted({i for i in map(parse_id, values) if i is not None})[:10_000]


def count(selection: Selection, specs) -> int:
    """The exact number of contacts the action will touch (one query)."""
    sub = selection.ids_select(specs).subquery()
    return db.session.scalar(select(db.func.count()).select_from(sub)) or 0


def _names(ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Contact.id, Contact.display_name).where(Contact.id.in_(ids))).all())


def _log(ids: list[int], subject: str, summary: str, user, changes: dict | None = None) -> None:
    """An audit entry and a timeline entry for each contact in `ids`."""
    if not ids:
        return
    names = _names(ids)
    user_id = getattr(user, "id", None)
    for cid in ids:
        audit.record(audit.UPDATE, object_type="contacts_contact", object_id=cid, user=user,
                     summary=summary.format(name=names.get(cid, f"#{cid}")), changes=changes)
    now = utcnow()
    db.session.execute(insert(Activity), [
        {"contact_id": cid, "kind": "change", "subject": subject, "body": "", "occurred_at": now,
         "created_at": now, "user_id": user_id} for cid in ids])
    db.session.execute(update(Contact).where(Contact.id.in_(ids)).values(updated_at=now))


def _tag_add(ids, tag: Tag, user) -> int:
    have = set(db.session.scalars(select(ContactTag.contact_id).where(
        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(ids))))
    new = [cid for cid in ids if cid not in have]
    if new:
        db.session.execute(insert(ContactTag), [{"contact_id": cid, "tag_id": tag.id} for cid in new])
        _log(new, f"Tagged “{tag.name}”", f"Added the tag “{tag.name}” to {{name}}", user,
             {"tags": ("", f"+{tag.name}")})
    return len(new)


def _tag_remove(ids, tag: Tag, user) -> int:
    had = list(db.session.scalars(select(ContactTag.contact_id).where(
        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(ids))))
    if had:
        db.session.execute(delete(ContactTag).where(ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(had)))
        _log(had, f"Untagged “{tag.name}”", f"Removed the tag “{tag.name}” from {{name}}", user,
             {"tags": (f"-{tag.name}", "")})
    return len(had)


def _owner(ids, owner: User, user) -> int:
    rows = db.session.execute(select(Contact.id, Contact.owner_id).where(
        Contact.id.in_(ids), (Contact.owner_id != owner.id) | Contact.owner_id.is_(None))).all()
    changed = [cid for cid, _ in rows]
    if changed:
        db.session.execute(update(Contact).where(Contact.id.in_(changed)).values(owner_id=owner.id))
        _log(changed, f"Owner set to {owner.name}", f"Made {owner.name} the owner of {{name}}", user,
             {"owner": ("", owner.name)})
    return len(changed)


def _trash(ids, user) -> int:
    contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(ids))))
    done = records.trash(contacts, user=user)
    now = utcnow()
    db.session.execute(insert(Activity), [
        {"contact_id": c.id, "kind": "change", "subject": "Moved to the trash", "body": "", "occurred_at": now,
         "created_at": now, "user_id": getattr(user, "id", None)} for c in contacts])
    return done


def target(action: str, param: str | int | None):
    """The tag or user an action needs, or None when it is missing."""
    needs = ACTIONS[action].needs
    if not needs:
        return True
    param_id = parse_id(param)
    if param_id is None:
        return None
    return db.session.get(Tag if needs == "tag" else User, param_id)


def run(action: str, selection: Selection, param, user, *, specs=None, progress=None) -> int:
    """Apply `action` to the selection, committing after each chunk. Returns
    how many contacts it changed. `progress(done)` is called per chunk."""
    specs = specs if specs is not None else hooks.filter_specs()
    thing = target(action, param)
    if thing is None:
        raise LookupError("The tag or owner for this action no longer exists.")
    ids_select = selection.ids_select(specs)
    if selection.scope == "all" and selection.lq.errors:
        raise ValueError("Some filter rules cannot be read: " + "; ".join(r.error for r in selection.lq.errors))
    changed = seen = 0
    for ids in export.id_chunks(ids_select, CHUNK):
        if action == "tag_add":
            changed += _tag_add(ids, thing, user)
        elif action == "tag_remove":
            changed += _tag_remove(ids, thing, user)
        elif action == "owner":
            changed += _owner(ids, thing, user)
        elif action == "trash":
            changed += _trash(ids, user)
        db.session.commit()
        seen += len(ids)
        if progress:
            progress(seen)
    return changed


def run_job(job, *, action, param, selection, user_id, **_ignored) -> dict:
    """The "contacts.bulk" job: the same work, with progress on the job."""
    from app.jobs import job_progress

    user = db.session.get(User, user_id) if user_id else None
    specs = hooks.filter_specs()
    sel = Selection(selection["scope"], list(selection.get("ids") or []),
                    queries.ListQuery.from_json(selection.get("query"), specs))
    total = count(sel, specs)
    job_progress(job, 0, total, ACTIONS[action].label)
    changed = run(action, sel, param, user, specs=specs, progress=lambda done: job_progress(job, done, total))
    return {"contacts": total, "changed": changed}


# Export -----------------------------------------------------------------------
# The one implementation is modules/contacts/lists/export.py; a bulk "export" hands
# its selection over as an export.Source.

def export_source(selection: Selection) -> export.Source:
    if selection.scope == "all":
        return export.Source("list", lq=selection.lq, label="the whole filtered list")
    return export.Source("selected", ids=list(selection.ids))
