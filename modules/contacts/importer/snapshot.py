"""What an import is about to change on a contact (`take`), and putting it
back (`restore`) when the import is undone. Only the parts the import
changed are put back, so later edits to other parts survive an undo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert

from app.extensions import db
from modules.contacts import records
from modules.contacts.models import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomValue,
)

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


def restore(contact: Contact, before: dict) -> dict:
    """Put `before` back on `contact`; returns `{part: (now, then)}` for the audit."""
    changes = {}
    for name, value in before.get("fields", {}).items():
        old, new = getattr(contact, name), _python(value)
        if old != new:
            setattr(contact, name, new)
            changes[name] = (old, new)
    for part, model, key in (("emails", ContactEmail, "email"), ("phones", ContactPhone, "number")):
        if part in before:
            collection = getattr(contact, part)
            now = ", ".join(getattr(r, key) for r in collection)
            collection.clear()
            for value, label, primary in before[part]:
                collection.append(model(**{key: value, "label": label, "is_primary": primary}))
            changes[part] = (now, ", ".join(v[0] for v in before[part]))
    if "addresses" in before:
        contact.addresses.clear()
        for parts in before["addresses"]:
            contact.addresses.append(ContactAddress(**parts))
        changes["addresses"] = ("", "; ".join(", ".join(str(a[p]) for p in ("line1", "city", "postcode") if a[p])
                                              for a in before["addresses"]))
    if "tags" in before:
        db.session.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id))
        if before["tags"]:
            db.session.execute(insert(ContactTag), [{"contact_id": contact.id, "tag_id": t} for t in before["tags"]])
        db.session.expire(contact, ["tags"])
        changes["tags"] = ("", str(len(before["tags"])) + " tags")
    for fid, rows in before.get("custom", {}).items():
        db.session.execute(delete(CustomValue).where(CustomValue.contact_id == contact.id,
                                                     CustomValue.field_id == int(fid)))
        if rows:
            db.session.execute(insert(CustomValue), [
                {"contact_id": contact.id, "field_id": int(fid), **{k: _python(v) for k, v in r.items()}}
                for r in rows])
        changes[f"custom field {fid}"] = ("", "restored")
    records.refresh_derived(contact)
    return changes
