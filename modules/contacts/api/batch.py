"""`POST /contacts:batch`: up to 1,000 people in one transaction, each
created or updated (an upsert), matched as an import matches: by an
external id first, then by email (`existing.find_many`, the import's and
the new-contact form's rule). A record that repeats an earlier record's
email or external id is refused, as an import refuses a repeated row.

As in an import, a match gains the record's emails, phones and tags (none
is removed); the other fields sent replace the contact's. Every record is
checked by the contact form; one wrong record refuses the whole batch
(422, each problem named `records[i].field`) and nothing is saved."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy import and_, or_, select

from app.api import problems, writes
from app.extensions import db
from app.permissions import permission_required
from modules.contacts.api import bridge, shown
from modules.contacts.api.contact_resource import checked_form, save_extras
from modules.contacts.api.schemas import Person
from modules.contacts.importer.matching import first_by
from modules.contacts.models import PERSON, Contact, ExternalId
from modules.contacts.people import existing, phones, saving

MAX_RECORDS = 1000
blp = Blueprint("api_contacts_batch", __name__, description="Create or update many people at once")


class Batch(ma.Schema):
    records = f.List(f.Nested(Person), required=True, validate=v.Length(min=1, max=MAX_RECORDS))


class Outcome(ma.Schema):
    index = f.Integer(required=True)
    id = f.Integer(required=True)
    action = f.String(required=True, metadata={"description": "created, updated or unchanged"})


class BatchResult(ma.Schema):
    created = f.Integer(required=True)
    updated = f.Integer(required=True)
    unchanged = f.Integer(required=True)
    results = f.List(f.Nested(Outcome), required=True)


def _keys(record: dict) -> list[str]:
    emails = [f"email:{(e.get('email') or '').strip().lower()}" for e in record.get("emails") or []
              if (e.get("email") or "").strip()]
    ids = [f"id:{s}:{(value or '').strip()}" for s, value in (record.get("external_ids") or {}).items() if value]
    return ids + emails


def _repeats(records: list[dict]) -> dict:
    seen: dict[str, int] = {}
    found = {}
    for index, record in enumerate(records):
        for key in _keys(record):
            if key in seen and seen[key] != index:
                what = "email" if key.startswith("email:") else "external id"
                found[f"records[{index}]"] = [f"Same {what} as records[{seen[key]}]; send each person once."]
                break
            seen.setdefault(key, index)
    return found


def _by_external_id(records: list[dict]) -> dict[tuple[str, str], int]:
    pairs = {(s, value.strip()) for r in records for s, value in (r.get("external_ids") or {}).items() if value}
    if not pairs:
        return {}
    rows = db.session.execute(select(ExternalId.system, ExternalId.value, ExternalId.contact_id)
                              .join(Contact, Contact.id == ExternalId.contact_id)
                              .where(Contact.deleted_at.is_(None), Contact.kind == PERSON,
                                     or_(*(and_(ExternalId.system == s, ExternalId.value == val)
                                           for s, val in pairs))))
    return {(s, val): cid for s, val, cid in rows}


def matches(records: list[dict]) -> list[int | None]:
    """The live person each record stands for, or None: its external id, else its email."""
    by_id = _by_external_id(records)
    wanted = [existing.Wanted(PERSON, tuple(e.get("email") or "" for e in r.get("emails") or ())) for r in records]
    by_email = existing.find_many(wanted, (existing.EMAIL,))
    found = []
    for record, candidates in zip(records, by_email, strict=True):
        hit = next((by_id[(s, val.strip())] for s, val in (record.get("external_ids") or {}).items()
                    if val and (s, val.strip()) in by_id), None)
        if hit is None:
            hit = first_by([m for m in candidates if m.kind == PERSON], existing.EMAIL)
        found.append(hit)
    return found


def _same(key: str):
    """How two emails (case aside) or two phone numbers (written any way) compare."""
    if key == "number":
        return lambda text: phones.normalise(text or "") or (text or "").strip()
    return lambda text: (text or "").strip().lower()


def _added(current: list[dict], sent: list[dict] | None, key: str) -> list[dict]:
    """The contact's rows and the sent rows it lacks (an import adds, never removes)."""
    same = _same(key)
    have = {same(row.get(key)) for row in current}
    return current + [row for row in sent or [] if same(row.get(key)) not in have]


@blp.route("/contacts:batch", methods=["POST"])
@permission_required("contacts.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(Batch, as_kwargs=False)
@blp.response(200, BatchResult)
def batch(body):
    """Create or update up to 1,000 people in one transaction (see the module's rules above)."""
    records = body["records"]
    errors = _repeats(records)
    if errors:
        problems.invalid(errors, "Some records repeat another.")
    results, counts = [], {"created": 0, "updated": 0, "unchanged": 0}
    for index, (record, contact_id) in enumerate(zip(records, matches(records), strict=True)):
        where = f"records[{index}]."
        if contact_id is None:
            form, cleaned, found = checked_form(PERSON, dict(record), None, record, where)
            if found:
                errors.update(found)
                continue
            contact = saving.create(PERSON, form, cleaned)
            save_extras(contact, record)
            action = "created"
        else:
            contact = shown.load(contact_id, PERSON)
            current = shown.show_one(contact)
            data = {**bridge.writable(current), **record}
            data["emails"] = _added(current["emails"], record.get("emails"), "email")
            data["phones"] = _added(current["phones"], record.get("phones"), "number")
            data["custom_fields"] = {**current["custom_fields"], **(record.get("custom_fields") or {})}
            extras = {**record, "tags": sorted({*current["tags"], *(record.get("tags") or [])})
                      if "tags" in record else None}
            form, cleaned, found = checked_form(PERSON, data, contact, record, where)
            if found:
                errors.update(found)
                continue
            changed = saving.update(contact, form, cleaned)
            before = shown.show_one(contact) if not changed else None
            save_extras(contact, extras)
            changed = changed or shown.show_one(contact) != before
            action = "updated" if changed else "unchanged"
        counts[action] += 1
        db.session.flush()
        results.append({"index": index, "id": contact.id, "action": action})
    if errors:
        problems.invalid(errors, f"{len({k.split('.')[0] for k in errors})} record(s) need attention; "
                                 "nothing was saved.")
    return {**counts, "results": results}
