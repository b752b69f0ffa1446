"""Matched contacts, updated table by table: per chunk, the contacts and their
emails, phones, addresses and tags are read with one query each, each row's
non-empty cells are applied to plain copies, and the changes go out with one
executemany per statement (no ORM object per contact). What changes, the
`before` kept for undo, the timeline and the audit are as for an edit:
emails and phones are added (never replaced), the primary address gets the
row's parts, tags are added, custom values replaced."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import bindparam, delete, select, update

from app import audit, bulk_insert
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.contracts import webhooks
from modules.contacts.importer import documents, snapshot
from modules.contacts.lists import search
from modules.contacts.models import (
    PERSON,
    Activity,
    ConsentEntry,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    CustomValue,
    ImportChange,
    Tag,
)
from modules.contacts.people import records

ADDRESS_PARTS = ("line1", "line2", "city", "region", "postcode", "country")
CUSTOM_COLUMNS = ("contact_id", "field_id", "value_text", "value_number", "value_date", "value_bool")
DERIVED = ("display_name", "sort_name", "email", "phone", "city", "postcode", "country", "updated_at")
CONTACTS = Contact.__table__


def load(ids: list[int]) -> dict[int, SimpleNamespace]:
    """Plain copies of the contacts, with their emails, phones, addresses (by id) and tags (by name)."""
    result = db.session.execute(select(CONTACTS).where(CONTACTS.c.id.in_(ids)))
    keys = tuple(result.keys())
    contacts = {}
    for row in result:
        contact = SimpleNamespace(**dict(zip(keys, row, strict=True)), emails=[], phones=[], addresses=[], tags=[])
        contacts[contact.id] = contact
    for model, part in ((ContactEmail, "emails"), (ContactPhone, "phones"), (ContactAddress, "addresses")):
        table = model.__table__
        result = db.session.execute(select(table).where(table.c.contact_id.in_(ids)).order_by(table.c.id))
        keys = tuple(result.keys())
        for row in result:
            item = SimpleNamespace(**dict(zip(keys, row, strict=True)))
            getattr(contacts[item.contact_id], part).append(item)
    for contact_id, tag_id in db.session.execute(
            select(ContactTag.contact_id, ContactTag.tag_id).join(Tag, Tag.id == ContactTag.tag_id)
            .where(ContactTag.contact_id.in_(ids)).order_by(Tag.name)):
        contacts[contact_id].tags.append(SimpleNamespace(id=tag_id))
    return contacts


class Changes:
    """What one chunk's updates write, statement by statement."""

    def __init__(self):
        self.contacts: dict[tuple[str, ...], list[dict]] = {}  # changed columns -> parameters
        self.emails, self.phones, self.addresses, self.moved = [], [], [], []
        self.tags, self.custom, self.consent, self.activity, self.undo = [], [], [], [], []

    def contact(self, contact, changes: dict, derived_before: tuple) -> None:
        """Only the derived columns whose value changed are set: SQLite rewrites
        the entries of every index on a column an UPDATE sets, changed or not
        (the sort name alone is in three)."""
        derived = tuple(c for c, old in zip(DERIVED, derived_before, strict=True)
                        if c == "updated_at" or getattr(contact, c) != old)
        columns = tuple(sorted({k for k in changes if k in CONTACTS.c} - set(DERIVED))) + derived
        self.contacts.setdefault(columns, []).append(
            {"b_id": contact.id, **{f"b_{c}": getattr(contact, c) for c in columns}})

    def write(self, custom_rows) -> None:
        for columns, params in self.contacts.items():
            db.session.execute(update(CONTACTS).where(CONTACTS.c.id == bindparam("b_id")).values(
                {c: bindparam(f"b_{c}", type_=CONTACTS.c[c].type) for c in columns}), params)
        if self.moved:
            table = ContactAddress.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
                {p: bindparam(f"b_{p}", type_=table.c[p].type) for p in ADDRESS_PARTS}), self.moved)
        for model, rows in ((ContactEmail, self.emails), (ContactPhone, self.phones),
                            (ContactAddress, self.addresses), (ContactTag, self.tags), (ConsentEntry, self.consent),
                            (Activity, self.activity), (ImportChange, self.undo)):
            if rows:
                columns = tuple(rows[0])
                bulk_insert.insert_rows(model.__table__, columns, (tuple(r.values()) for r in rows))
        by_field: dict[int, list[int]] = {}
        rows = []
        for contact_id, field_id, value in self.custom:
            by_field.setdefault(field_id, []).append(contact_id)
            rows += custom_rows(contact_id, {field_id: value})
        for field_id, contact_ids in by_field.items():
            db.session.execute(delete(CustomValue.__table__).where(CustomValue.field_id == field_id,
                                                                   CustomValue.contact_id.in_(contact_ids)))
        bulk_insert.insert_rows(CustomValue.__table__, CUSTOM_COLUMNS, rows)


def apply(writer, planned: list, home: str) -> tuple[int, int]:
    """Apply non-empty cells to the matched contacts: (updated, unchanged)."""
    if not planned:
        return 0, 0
    ids = list({p.contact_id for p in planned})
    contacts = load(ids)
    field_ids = {fid for p in planned for fid in p.row.custom}
    current: dict[tuple[int, int], list] = {}
    if field_ids:
        table = CustomValue.__table__
        for value in db.session.execute(select(table).where(
                table.c.contact_id.in_(ids), table.c.field_id.in_(field_ids)).order_by(table.c.id)):
            current.setdefault((value.contact_id, value.field_id), []).append(value)
    now, source = utcnow(), f"Import: {writer.run.filename}"[:100]
    labels = {fid: f.label for fid, f in writer.fields.items()}
    out, updated, unchanged, entries, docs = Changes(), 0, 0, [], []
    done: set[int] = set()
    for item in planned:
        contact = contacts.get(item.contact_id)
        if contact is None or contact.id in done:  # two rows for one contact: the first wins
            unchanged += 1
            continue
        done.add(contact.id)
        row = item.row
        before = snapshot.take(contact, current, row.custom)
        derived_before = tuple(getattr(contact, c) for c in DERIVED)
        changes = _apply(writer, out, contact, row, current, now, source)
        if not changes:
            unchanged += 1
            continue
        updated += 1
        contact.updated_at = now
        documents.refresh_derived(contact)
        out.contact(contact, changes, derived_before)
        out.undo.append({"import_id": writer.run.id, "contact_id": contact.id, "action": "updated",
                         "before": snapshot.mark(before, changes, labels)})
        out.activity.append({"contact_id": contact.id, "kind": "change", "subject": writer.subject,
                             "body": "Changed " + ", ".join(records.LABELS.get(k, k.replace("_", " "))
                                                            for k in changes)[:1000],
                             "occurred_at": now, "created_at": now, "user_id": writer.user_id})
        entries.append((contact.id, f"Updated {contact.display_name} (import #{writer.run.id})", changes))
        docs.append((contact.id, documents.document(contact, contact.emails, [
            documents.phone_parts(p.number, home) for p in contact.phones])))
    out.write(writer.custom_rows)
    search.reindex(docs)
    audit.record_many(audit.UPDATE, "contacts_contact", entries, user=writer.user)
    webhooks.imported([], [(contact_id, changes) for contact_id, _, changes in entries])
    return updated, unchanged


def _apply(writer, out: Changes, contact, row, current, now, source) -> dict:
    allowed = set(records.COMMON_FIELDS) | set(
        records.PERSON_FIELDS if contact.kind == PERSON else records.GROUP_FIELDS)
    changes = audit.diff(contact, {k: v for k, v in row.values.items() if k in allowed and v not in ("", None)})
    have = {e.email.lower() for e in contact.emails}
    added = [e for e in row.emails if e not in have]
    for email in added:
        values = {"contact_id": contact.id, "email": email, "label": "", "is_primary": not contact.emails}
        out.emails.append(values)
        contact.emails.append(SimpleNamespace(**values))
    if added:
        changes["emails"] = ("", ", ".join(added))
    numbers = {p.number for p in contact.phones}
    added = [(n, label) for n, label, _ in row.phones if n not in numbers]
    for number, label in added:
        values = {"contact_id": contact.id, "number": number, "label": label, "is_primary": not contact.phones}
        out.phones.append(values)
        contact.phones.append(SimpleNamespace(**values))
    if added:
        changes["phones"] = ("", ", ".join(n for n, _ in added))
    if row.address:
        _address(out, contact, row.address, changes)
    if row.tags:
        have_tags = {t.id for t in contact.tags}
        new = [t for t in writer.tag_ids(row.tags) if t not in have_tags]
        if new:
            out.tags += [{"contact_id": contact.id, "tag_id": t} for t in new]
            changes["tags"] = ("", "+" + ", +".join(n for n in row.tags if writer.tags[n.lower()] in new))
    for field_id, value in row.custom.items():
        field = writer.fields[field_id]
        old_values = [_typed(field, v) for v in current.get((contact.id, field_id), [])]
        new_values = value if field.type == "multi_choice" else [value]
        if old_values == list(new_values):
            continue
        out.custom.append((contact.id, field_id, value))
        changes[field.label] = (", ".join(map(str, old_values)), ", ".join(map(str, new_values)))
    if row.opt_in and row.opt_in != contact.email_opt_in:
        changes["email_opt_in"] = (contact.email_opt_in, row.opt_in)
        contact.email_opt_in = row.opt_in
        out.consent.append({"contact_id": contact.id, "status": row.opt_in, "source": source, "wording": "",
                            "at": now, "user_id": writer.user_id})
    return changes


def _address(out: Changes, contact, address: dict, changes: dict) -> None:
    primary = next((a for a in contact.addresses if a.is_primary), None) or (
        contact.addresses[0] if contact.addresses else None)
    if primary is None:
        values = {"contact_id": contact.id, "label": "", "is_primary": True,
                  **{p: address.get(p, "") for p in ADDRESS_PARTS}}
        out.addresses.append(values)
        contact.addresses.append(SimpleNamespace(**values))
        changes["addresses"] = ("", ", ".join(v for v in address.values() if v))
        return
    moved = audit.diff(primary, {p: v for p, v in address.items() if v})
    if moved:
        out.moved.append({"b_id": primary.id, **{f"b_{p}": getattr(primary, p) for p in ADDRESS_PARTS}})
        changes["addresses"] = (", ".join(str(a) for a, _ in moved.values()),
                                ", ".join(str(b) for _, b in moved.values()))


def _typed(field: CustomField, value):
    return {"number": value.value_number, "date": value.value_date, "yes_no": value.value_bool}.get(
        field.type, value.value_text)
