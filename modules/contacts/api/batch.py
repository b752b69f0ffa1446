"""`POST /contacts:batch`: up to 1,000 people in one transaction, each
created or updated (an upsert), matched as an import matches: by an
external id first, then by email (`existing.find_many`, the import's and
the new-contact form's rule). A record that repeats an earlier record's
email or external id is refused, as an import refuses a repeated row.

As in an import, a match gains the record's emails, phones and tags (none
is removed); the other fields sent replace the contact's. Every record is
checked by the contact form; one wrong record refuses the whole batch
(422, each problem named `records[i].field`) and nothing is saved.

More than 1,000 (up to 10,000) go to a background job (202, app/api/jobs.py),
which saves them 1,000 at a time, each thousand in one transaction with the
job's progress: a thousand with a wrong record is refused whole and named
in the result's `errors`, the others are saved. A worker that dies carries
on from the last thousand it committed."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy import and_, or_, select

from app.api import jobs, problems, writes
from app.extensions import db
from app.jobs import enqueue
from app.models import Job
from app.permissions import permission_required
from modules.contacts.api import bridge, shown
from modules.contacts.api.contact_resource import checked_form, save_extras
from modules.contacts.api.schemas import Person
from modules.contacts.importer.matching import first_by
from modules.contacts.models import PERSON, Contact, ExternalId
from modules.contacts.people import existing, phones, saving

JOB_KIND = "contacts.api_batch"
MAX_RECORDS = 1000  # in one request and one transaction
MAX_JOB_RECORDS = 10_000  # in one background job, MAX_RECORDS at a time
blp = Blueprint("api_contacts_batch", __name__, description="Create or update many people at once")


class Batch(ma.Schema):
    records = f.List(f.Nested(Person), required=True, validate=v.Length(min=1, max=MAX_JOB_RECORDS),
                     metadata={"description": f"Up to {MAX_RECORDS:,} are saved at once (200); more, up to "
                                              f"{MAX_JOB_RECORDS:,}, go to a background job (202)."})


class Outcome(ma.Schema):
    index = f.Integer(required=True)
    id = f.Integer(required=True)
    action = f.String(required=True, metadata={"description": "created, updated or unchanged"})


class BatchResult(ma.Schema):
    """In a job's result, `errors` also names the records of each thousand that was refused."""

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
@blp.alt_response(202, schema=jobs.JobStatus, description="More than 1,000 records: a background job saves "
                  "them; poll the Location (/api/v1/jobs/{id}) for its progress and result.")
def batch(body):
    """Create or update people: up to 1,000 at once, more through a background job (see the rules above)."""
    records = body["records"]
    errors = _repeats(records)
    if errors:
        problems.invalid(errors, "Some records repeat another.")
    if len(records) > MAX_RECORDS:
        job = enqueue(JOB_KIND, f"API batch of {len(records):,} people", {"records": records, **jobs.token_args()},
                      user=current_user)
        return jobs.accepted(job)
    counts, results, errors = save(records)
    if errors:
        problems.invalid(errors, f"{len({k.split('.')[0] for k in errors})} record(s) need attention; "
                                 "nothing was saved.")
    return {**counts, "results": results}


def save(records: list[dict], first: int = 0) -> tuple[dict, list[dict], dict]:
    """Upsert `records` (numbered from `first` in results and errors) in the
    session: (counts, results, errors). With errors, the caller rolls back."""
    results, counts, errors = [], {"created": 0, "updated": 0, "unchanged": 0}, {}
    for index, (record, contact_id) in enumerate(zip(records, matches(records), strict=True), start=first):
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
    return counts, results, errors


def run_job(job, *, records: list[dict], user_id: int, token_id: int | None = None, **_ignored) -> dict:
    """The "contacts.api_batch" job: MAX_RECORDS at a time, each thousand
    committed with the job's progress and the result so far (so a resumed
    job starts at the first thousand not saved, and says nothing twice)."""
    from app.jobs import job_progress

    job_id = job.id
    result = dict(job.result or {"created": 0, "updated": 0, "unchanged": 0, "results": [], "errors": {}})
    with jobs.acting_as(user_id, token_id):
        for start in range(job.done or 0, len(records), MAX_RECORDS):
            counts, results, errors = save(records[start:start + MAX_RECORDS], start)
            if errors:
                db.session.rollback()
                job = db.session.get(Job, job_id)
                result["errors"] = {**result["errors"], **errors}
            else:
                result.update({key: result[key] + counts[key] for key in counts})
                result["results"] = result["results"] + results
            job.result = dict(result)
            job_progress(job, min(start + MAX_RECORDS, len(records)), len(records))
    return result
