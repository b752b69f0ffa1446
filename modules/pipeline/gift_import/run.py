"""Running a gift import (as the "pipeline.import_gifts" job, or from the
CLI), its preview, and undo.

The job is safe to run twice: a run that stopped half-way is first undone
(its gifts and created donors removed) and then run again from the start.
Rows go through `modules.pipeline.gifts.record_gift` in chunks of CHUNK,
committing after each chunk with the progress.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from app import audit
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.importer import reading, unknown_values
from modules.contacts.importer.upload import Intake
from modules.contacts.lists.export import safe_cell
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline import donor_years, gift_rollup, gifts
from modules.pipeline.gift_import import check, closed_lists
from modules.pipeline.gift_import.fields import guess_mapping
from modules.pipeline.models import Gift, GiftImport, SoftCredit

CHUNK = 200
PREVIEW_ROWS = 200
# Uploads: read once, at upload or by this job in "read" mode (the contacts
# importer's upload.py), keeping the rows the preview checks.
INTAKE = Intake("pipeline.import_gifts", PREVIEW_ROWS, guess_mapping)


def new_import(data: bytes, filename: str, *, user=None, in_request: bool = False) -> GiftImport:
    """A GiftImport for an uploaded file, its columns guessed; raises
    reading.FileProblem for a file that cannot be read. `in_request`: leave a
    big file to the worker."""
    run = GiftImport(filename=(filename or "gifts.csv")[:255], data=data, created_by_id=getattr(user, "id", None),
                     created_contact_ids=[], value_choices={}, created_values={}, status="uploaded")
    return INTAKE.take(run, user, in_request=in_request)


def _rows(run: GiftImport):
    return reading.rows(run.data, run.encoding, run.delimiter, len(run.headers))


def _chunks(run: GiftImport, size: int, limit: int | None, lookups: check.Lookups):
    """Checked rows in chunks: the first `limit` rows the upload kept, or
    (None) every row of the file."""
    chunk = []
    lines = _rows(run) if limit is None else reading.sample_rows(run.sample, len(run.headers))
    for n, (line, cells) in enumerate(lines):
        if limit is not None and n >= limit:
            break
        chunk.append(check.read_row(line, cells, run.headers, run.mapping, lookups))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _donor_problems(rows: list[check.GiftRow], run: GiftImport) -> None:
    check.match_donors(rows, run.match_rule)
    for row in rows:
        if row.contact_id is None and not (run.create_donors and check.can_create(row)):
            row.problems.append(f"Donor not found ({check.donor_label(row)})"
                                + ("; a new donor needs a first or last name." if run.create_donors else "."))


@dataclass
class Preview:
    rows: list[check.GiftRow] = field(default_factory=list)  # the rows checked
    ok: int = 0
    matched: int = 0
    new_donors: int = 0
    problems: int = 0
    # values of funds, appeals and payment methods the database does not know, with the choices made
    unknowns: list[unknown_values.Unknown] = field(default_factory=list)


def preview(run: GiftImport, limit: int | None = PREVIEW_ROWS, keep_rows: bool = True) -> Preview:
    """Check the first `limit` rows the upload kept (None: every row of the
    file, for the CLI's dry run) without writing anything."""
    out = Preview()
    lookups = check.Lookups(run.value_choices)
    for rows in _chunks(run, CHUNK, limit, lookups):
        _donor_problems(rows, run)
        for row in rows:
            if keep_rows or row.problems:
                out.rows.append(row)
            if row.problems:
                out.problems += 1
            else:
                out.ok += 1
                out.matched += row.contact_id is not None
                out.new_donors += row.contact_id is None
    out.unknowns = lookups.unknowns()
    return out


def _create_donor(row: check.GiftRow, run: GiftImport, user, cache: dict) -> int:
    """A new contact for the row's donor; later rows of the same donor reuse it."""
    d = row.values["donor"]
    key = d["email"].lower() or f"{d['first_name'].lower()}|{d['last_name'].lower()}|{d['postcode'].upper()}"
    if key in cache:
        return cache[key]
    details = records.Details(
        emails=[{"email": d["email"].lower(), "label": "", "is_primary": True}] if d["email"] else [],
        addresses=[{"line1": "", "line2": "", "city": "", "region": "", "postcode": d["postcode"], "country": "",
                    "label": "", "is_primary": True}] if d["postcode"] else [])
    contact = records.create("person", {"first_name": d["first_name"], "last_name": d["last_name"],
                                        "source": f"Gift import {run.id}"}, details, user=user)
    cache[key] = contact.id
    run.created_contact_ids = [*run.created_contact_ids, contact.id]
    run.donors_created += 1
    return contact.id


def execute(run: GiftImport, *, user=None, progress: Callable[[int, int], None] | None = None) -> GiftImport:
    """Import every row; failed rows (and why) go to `run.failures_csv`.
    (`preview(run, limit=None)` is the dry run: it checks every row and writes nothing.)"""
    remove(run, user=user)  # a run that stopped half-way starts again
    run.status, run.created, run.donors_created, run.failed = "running", 0, 0, 0
    run.created_contact_ids = []
    failures = io.StringIO()
    writer = csv.writer(failures)
    writer.writerow(["Row", "Problem", *run.headers])
    done, cache, rollup = 0, {}, gift_rollup.Changes()
    lookups = check.Lookups(run.value_choices)
    for rows in _chunks(run, CHUNK, None, lookups):
        _donor_problems(rows, run)
        for row in rows:
            if not row.problems:
                try:
                    contact_id = row.contact_id or _create_donor(row, run, user, cache)
                    v = row.values
                    for key in closed_lists.CREATABLE:
                        if f"new_{key}" in v:  # chosen "create": made by the first row that names it
                            v[f"{key}_id"] = closed_lists.create(run, lookups.lists[key], v[f"new_{key}"])
                    gift = gifts.record_gift(
                        contact_id=contact_id, amount=v["amount"], received_on=v["received_on"], user=user,
                        currency=v.get("currency"),
                        fund_id=v.get("fund_id"), appeal_id=v.get("appeal_id"),
                        payment_method=v.get("payment_method", ""), reference=v["reference"],
                        anonymous=v.get("anonymous", False), notes=v["notes"], import_id=run.id,
                        rollup=rollup)
                    run.created += gift is not None
                except gifts.GiftError as error:
                    row.problems.append(str(error))
            if row.problems:
                run.failed += 1
                writer.writerow([row.line, "; ".join(row.problems), *(safe_cell(c) for c in row.cells)])
        done += len(rows)
        db.session.flush()
        rollup.apply()
        if progress is not None:
            progress(done, run.rows_total)
    run.failures_csv = failures.getvalue().encode("utf-8-sig") if run.failed else None
    run.status, run.finished_at = "finished", utcnow()
    audit.record(audit.CREATE, run, user=user,
                 summary=f"Imported {run.created} gift(s) from {run.filename}"
                         f" ({run.donors_created} new donor(s), {run.failed} row(s) failed)")
    return run


def remove(run: GiftImport, *, user=None) -> tuple[int, int, closed_lists.Removed]:
    """Delete the gifts the import created, the contacts it created and the
    funds and appeals it created that nothing else uses; (gifts, contacts,
    what became of the funds and appeals)."""
    gift_ids = list(db.session.scalars(select(Gift.id).where(Gift.import_id == run.id)))
    donors = list(db.session.scalars(select(Gift.contact_id).where(Gift.import_id == run.id).distinct()))
    if gift_ids:
        gift_rollup.removing(Gift.import_id == run.id)
    for start in range(0, len(gift_ids), 1000):
        ids = gift_ids[start:start + 1000]
        db.session.execute(delete(SoftCredit).where(SoftCredit.gift_id.in_(ids)))
        db.session.execute(delete(Gift).where(Gift.id.in_(ids)))
    donor_years.refresh(donors)
    removed = 0
    contact_ids = list(run.created_contact_ids or [])
    for start in range(0, len(contact_ids), 500):
        contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(contact_ids[start:start + 500]))))
        for contact in contacts:
            if contact.deleted_at is None:
                contact.deleted_at = utcnow()
        db.session.flush()
        removed += records.purge(contacts, user=user)
    run.created_contact_ids = []
    return len(gift_ids), removed, closed_lists.remove_created(run)


def undo(run: GiftImport, *, user=None) -> tuple[int, int, closed_lists.Removed]:
    gifts_removed, contacts_removed, values = remove(run, user=user)
    run.status, run.undone_at = "undone", utcnow()
    audit.record(audit.DELETE, run, user=user,
                 summary=f"Undid the gift import of {run.filename}: removed {gifts_removed} gift(s) and "
                         f"{contacts_removed} contact(s) it created. {values.message()}".strip())
    return gifts_removed, contacts_removed, values


def job(job_row, import_id: int, user_id: int | None = None, mode: str = "run") -> dict:
    """The "pipeline.import_gifts" job handler: read a big uploaded file, or run an import."""
    from app.jobs import job_progress
    from app.models import User

    run = db.session.get(GiftImport, import_id)
    if run is not None and mode == "read":
        return INTAKE.read_job(job_row, run)
    if run is None or run.status in ("finished", "undone"):
        return {"skipped": True}
    user = db.session.get(User, user_id) if user_id else None
    run.job_id = job_row.id
    job_progress(job_row, 0, run.rows_total, "Importing gifts")

    def progress(done, total):
        db.session.commit()
        job_progress(job_row, done, total)

    try:
        execute(run, user=user, progress=progress)
    except Exception:
        db.session.rollback()
        run = db.session.get(GiftImport, import_id)
        run.status = "failed"
        db.session.commit()
        raise
    db.session.commit()
    return {"created": run.created, "donors_created": run.donors_created, "failed": run.failed}
