"""The trash: trashed contacts, restore, and purge for good (with confirmation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import flash, request, url_for
from sqlalchemy import and_, func, or_

from app import audit
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.ids import as_id
from app.models import AuditEntry
from app.models.base import utcnow
from app.paging import PER_PAGE
from app.permissions import can, permission_required
from modules.contacts.lists import bulk
from modules.contacts.models import (
    Contact,
)
from modules.contacts.people import records
from modules.contacts.views import bp
from modules.contacts.views.admin import ADMIN, confirm, plural, render
from modules.contacts.views.admin_forms import PurgeOldForm

# --- The trash ------------------------------------------------------------------

PURGE_CHUNK = 200
PERMANENT = ("This cannot be undone: their details, notes, tasks and relationships are deleted too. "
             "The purge is recorded in the audit log.")
CURSOR_FORMAT = "%Y%m%d%H%M%S%f"


@dataclass
class TrashPage:
    items: list
    next_url: str | None
    prev_url: str | None
    next_label: str = "Older"
    prev_label: str = "Newer"


def _cursor(name: str) -> tuple[datetime, int] | None:
    stamp, _, ident = request.args.get(name, "").partition("-")
    try:
        return datetime.strptime(stamp, CURSOR_FORMAT).replace(tzinfo=UTC), as_id(ident)
    except ValueError:
        return None


def _cursor_of(contact: Contact) -> str:
    return f"{contact.deleted_at.astimezone(UTC).strftime(CURSOR_FORMAT)}-{contact.id}"


def _older(cursor):
    at, ident = cursor
    return or_(Contact.deleted_at < at, and_(Contact.deleted_at == at, Contact.id < ident))


def _newer(cursor):
    at, ident = cursor
    return or_(Contact.deleted_at > at, and_(Contact.deleted_at == at, Contact.id > ident))


def trash_page(per_page: int = PER_PAGE) -> TrashPage:
    """Trashed contacts, newest-deleted first, keyset-paged on (deleted_at, id):
    `?before=` goes to older ones, `?after=` back to newer ones."""
    base = db.select(Contact).where(Contact.deleted_at.is_not(None))
    newest_first = (Contact.deleted_at.desc(), Contact.id.desc())
    before, after = _cursor("before"), _cursor("after")
    if after is not None and before is None:
        rows = db.session.scalars(base.where(_newer(after)).order_by(Contact.deleted_at, Contact.id)
                                  .limit(per_page + 1)).all()
        more_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_older = bool(rows) and db.session.execute(
            base.where(_older((rows[-1].deleted_at, rows[-1].id))).with_only_columns(Contact.id).limit(1)
        ).first() is not None
    else:
        query = base if before is None else base.where(_older(before))
        rows = db.session.scalars(query.order_by(*newest_first).limit(per_page + 1)).all()
        more_older = len(rows) > per_page
        rows = rows[:per_page]
        more_newer = before is not None and bool(rows) and db.session.execute(
            base.where(_newer((rows[0].deleted_at, rows[0].id))).with_only_columns(Contact.id).limit(1)
        ).first() is not None
    return TrashPage(
        items=rows,
        next_url=url_for("contacts.trash_list", before=_cursor_of(rows[-1])) if more_older else None,
        prev_url=url_for("contacts.trash_list", after=_cursor_of(rows[0])) if more_newer else None,
    )


def _deleted_by(ids: list[int]) -> dict[int, str]:
    """Who moved each contact to the trash: the latest trash entry in the audit log."""
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(AuditEntry.object_id, AuditEntry.actor).where(
            AuditEntry.object_type == Contact.__tablename__, AuditEntry.action == audit.DELETE,
            AuditEntry.object_id.in_([str(i) for i in ids]))
        .order_by(AuditEntry.id)).all()
    return {int(object_id): actor for object_id, actor in rows}


@bp.route("/trash")
@permission_required("contacts.delete")
def trash_list():
    listing = trash_page()
    return render("contacts/trash.html", listing=listing, deleted_by=_deleted_by([c.id for c in listing.items]),
                   can_purge=can(ADMIN), purge_form=PurgeOldForm())


def _selected() -> list[Contact]:
    ids = bulk.read_ids(request.form.getlist("ids"))[:PER_PAGE * 4]
    if not ids:
        return []
    return db.session.scalars(db.select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_not(None))
                              .order_by(Contact.deleted_at.desc(), Contact.id.desc())).all()


def _restore(contacts: list[Contact]):
    restored = records.restore(contacts)
    db.session.commit()
    if restored == 1:
        flash(f"{contacts[0].display_name} is restored.", "success")
    elif restored:
        flash(f"{plural(restored, 'contact')} restored.", "success")
    else:
        flash("Nothing to restore: choose contacts in the trash first.", "error")
    return redirect_after_post(url_for("contacts.trash_list"), trigger="contacts-changed")


@bp.route("/trash/<int:contact_id>/restore", methods=["POST"])
@permission_required("contacts.delete")
def trash_restore(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    return _restore([contact] if contact.deleted_at is not None else [])


@bp.route("/trash/restore", methods=["POST"])
@permission_required("contacts.delete")
def trash_restore_selected():
    return _restore(_selected())


def _purge(contacts: list[Contact]) -> int:
    """Purge in chunks: each contact loads its details to delete them with it."""
    done = 0
    for start in range(0, len(contacts), PURGE_CHUNK):
        done += records.purge(contacts[start:start + PURGE_CHUNK])
        db.session.commit()
    return done


def _purge_and_report(contacts: list[Contact]):
    name = contacts[0].display_name if contacts else ""
    purged = _purge(contacts)
    if purged == 1:
        flash(f"{name} is purged for good.", "success")
    elif purged:
        flash(f"{plural(purged, 'contact')} purged for good.", "success")
    else:
        flash("Nothing to purge: choose contacts in the trash first.", "error")
    return redirect_after_post(url_for("contacts.trash_list"), trigger="contacts-changed")


@bp.route("/trash/<int:contact_id>/purge", methods=["GET", "POST"])
@permission_required(ADMIN)
def trash_purge(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    if contact.deleted_at is None:
        flash(f"{contact.display_name} is not in the trash.", "error")
        return redirect_after_post(url_for("contacts.trash_list"))
    if request.method == "GET":
        return confirm(f"Purge {contact.display_name}?",
                        f"Purge {contact.display_name} for good? {PERMANENT}",
                        "Purge for good", url_for("contacts.trash_list"))
    return _purge_and_report([contact])


@bp.route("/trash/purge", methods=["POST"])
@permission_required(ADMIN)
def trash_purge_selected():
    """From the trash list: first a confirmation naming the count, then the purge."""
    contacts = _selected()
    if not contacts:
        flash("Nothing to purge: choose contacts in the trash first.", "error")
        return redirect_after_post(url_for("contacts.trash_list"))
    count = plural(len(contacts), "contact")
    if request.form.get("confirm") != "1":
        return confirm_page(f"Purge {count}?", f"Purge {count} for good? {PERMANENT}", f"Purge {count} for good",
                            url_for("contacts.trash_list"), hidden={"ids": [c.id for c in contacts], "confirm": "1"},
                            names=[c.display_name for c in contacts])
    return _purge_and_report(contacts)


@bp.route("/trash/empty", methods=["GET", "POST"])
@permission_required(ADMIN)
def trash_empty():
    """Purge everything deleted more than N days ago: choose N, see the count
    and confirm, then purge (only what was old enough when confirmed)."""
    form = PurgeOldForm()
    if request.method == "GET":
        return render("contacts/trash_empty.html", form=form, count=None)
    if not form.validate_on_submit():
        return render("contacts/trash_empty.html", 422, form=form, count=None)
    cutoff = _cutoff_from(request.form.get("cutoff")) or utcnow() - timedelta(days=form.days.data)
    old = (Contact.deleted_at.is_not(None), Contact.deleted_at < cutoff)
    if request.form.get("confirm") != "1":
        count = db.session.scalar(db.select(func.count(Contact.id)).where(*old))
        return render("contacts/trash_empty.html", form=form, count=count,
                       cutoff=cutoff.strftime(CURSOR_FORMAT), cutoff_at=cutoff)
    purged = 0
    while chunk := db.session.scalars(db.select(Contact).where(*old).order_by(Contact.id)
                                      .limit(PURGE_CHUNK)).all():
        purged += records.purge(chunk)
        db.session.commit()
    if purged:
        flash(f"{plural(purged, 'contact')} deleted more than {plural(form.days.data, 'day')} ago "
              "purged for good.", "success")
    else:
        flash("Nothing in the trash was old enough to purge.", "error")
    return redirect_after_post(url_for("contacts.trash_list"), trigger="contacts-changed")


def _cutoff_from(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", CURSOR_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
