"""What an import is about to change on a contact (`take`), and putting it
back (`restore`) when the import is undone. Only the parts the import
changed are put back, so later edits to other parts survive an undo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import delete

from app import bulk_insert
from app.extensions import db
from modules.contacts.importer import documents
from modules.contacts.models import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomValue,
)
from modules.contacts.people import records

FIELDS = tuple(dict.fromkeys((*records.PERSON_FIELDS, *records.COMMON_FIELDS, *records.GROUP_FIELDS,
                              "email_opt_in")))
ADDRESS_PARTS = ("label", "line1", "line2", "city", "region", "postcode", "country", "is_primary")


def _json(value):
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _python(value):
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict) and "decimal" in value:
        return Decimal(value["decimal"])
    return value


def take(contact: Contact, custom: dict, field_ids) -> dict:
    return {
        "fields": {f: _json(getattr(contact, f)) for f in FIELDS},
        "emails": [[e.email, e.label, e.is_primary] for e in contact.emails],
        "phones": [[p.number, p.label, p.is_primary] for p in contact.phones],
        "addresses": [{p: getattr(a, p) for p in ADDRESS_PARTS} for a in contact.addresses],
        "tags": [t.id for t in contact.tags],
        "custom": {str(fid): [{k: _json(getattr(v, k)) for k in ("value_text", "value_number", "value_date",
                                                                 "value_bool")}
                              for v in custom.get((contact.id, fid), [])] for fid in field_ids},
    }


def mark(before: dict, changes: dict, custom_labels: dict[int, str]) -> dict:
    """Keep only what `changes` says the import changed."""
    changed = set(changes)
    before["fields"] = {k: v for k, v in before["fields"].items() if k in changed}
    for part in ("emails", "phones", "addresses", "tags"):
        if part not in changed:
            before.pop(part)
    before["custom"] = {fid: rows for fid, rows in before["custom"].items()
                        if custom_labels.get(int(fid)) in changed}
    return before


class Restores:
    """What putting back one chunk's `before`s writes, table by table: rows
    to add, ids of rows to remove, tags and custom values to replace."""

    def __init__(self):
        self.rows: dict[str, list[tuple]] = {"emails": [], "phones": [], "addresses": []}
        self.gone: dict[str, list[int]] = {"emails": [], "phones": [], "addresses": []}
        self.tags_of: list[int] = []  # contacts whose tags are replaced
        self.tags: list[tuple[int, int]] = []
        self.custom_of: dict[int, list[int]] = {}  # field id -> contacts whose values of it are replaced
        self.custom: list[tuple] = []

    def write(self) -> None:
        """Insert the rows put back, then remove the ones they replace (the
        order the ORM flushed them in)."""
        for part, table, columns in (
                ("emails", ContactEmail.__table__, ("contact_id", "email", "label", "is_primary")),
                ("phones", ContactPhone.__table__, ("contact_id", "number", "label", "is_primary")),
                ("addresses", ContactAddress.__table__, ("contact_id", *ADDRESS_PARTS))):
            bulk_insert.insert_rows(table, columns, self.rows[part])
            if self.gone[part]:
                db.session.execute(delete(table).where(table.c.id.in_(self.gone[part])))
        if self.tags_of:
            table = ContactTag.__table__
            db.session.execute(delete(table).where(table.c.contact_id.in_(self.tags_of)))
            bulk_insert.insert_rows(table, ("contact_id", "tag_id"), self.tags)
        table = CustomValue.__table__
        for field_id, contact_ids in self.custom_of.items():
            db.session.execute(delete(table).where(table.c.field_id == field_id, table.c.contact_id.in_(contact_ids)))
        bulk_insert.insert_rows(table, CUSTOM_COLUMNS, self.custom)


CUSTOM_COLUMNS = ("contact_id", "field_id", "value_text", "value_number", "value_date", "value_bool")


def restore(contact, before: dict, out: Restores) -> dict:
    """Put `before` back on `contact` (a plain copy from `updates.load`, kept in
    step) with what to write added to `out`; returns `{part: (now, then)}`
    for the audit."""
    changes = {}
    for name, value in before.get("fields", {}).items():
        old, new = getattr(contact, name), _python(value)
        if old != new:
            setattr(contact, name, new)
            changes[name] = (old, new)
    for part, key in (("emails", "email"), ("phones", "number")):
        if part in before:
            collection = getattr(contact, part)
            now = ", ".join(getattr(r, key) for r in collection)
            out.gone[part] += [r.id for r in collection]
            out.rows[part] += [(contact.id, value, label, primary) for value, label, primary in before[part]]
            setattr(contact, part, [SimpleNamespace(**{key: value, "label": label, "is_primary": primary})
                                    for value, label, primary in before[part]])
            changes[part] = (now, ", ".join(v[0] for v in before[part]))
    if "addresses" in before:
        out.gone["addresses"] += [a.id for a in contact.addresses]
        out.rows["addresses"] += [(contact.id, *(parts[p] for p in ADDRESS_PARTS)) for parts in before["addresses"]]
        contact.addresses = [SimpleNamespace(**parts) for parts in before["addresses"]]
        changes["addresses"] = ("", "; ".join(", ".join(str(a[p]) for p in ("line1", "city", "postcode") if a[p])
                                              for a in before["addresses"]))
    if "tags" in before:
        out.tags_of.append(contact.id)
        out.tags += [(contact.id, t) for t in before["tags"]]
        changes["tags"] = ("", str(len(before["tags"])) + " tags")
    for fid, rows in before.get("custom", {}).items():
        out.custom_of.setdefault(int(fid), []).append(contact.id)
        out.custom += [(contact.id, int(fid), *(_python(r[k]) for k in CUSTOM_COLUMNS[2:])) for r in rows]
        changes[f"custom field {fid}"] = ("", "restored")
    documents.refresh_derived(contact)
    return changes
