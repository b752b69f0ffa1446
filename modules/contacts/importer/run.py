"""Running an import: the "contacts.import" job, and the same work for the CLI.

Chunks of `plan.CHUNK` rows; per chunk, new contacts and their details go in
as tuples through `app.bulk_insert` (one executemany per table, no ORM object
per row), derived columns and search documents as `records.refresh_derived`
and `search.document` make them (`documents`), through `search.reindex`, and
audit entries from `audit.record_many`. Matched contacts are updated table by
table too (`updates`). Each chunk commits with the run's counts and the job's
progress, so a job that stops can be run again and carries on after the last
row it counted.

Where the time goes (100,000 rows on SQLite): SQLite's own work inserting
rows into indexed tables and the search index (with a bigger page cache while
the import runs, `page_cache`), checking rows, updating matched contacts,
then the commits. The uploaded file lives in its own table (`ImportFile`), so
saving the run's row every few chunks no longer rewrites the file's bytes.
"""

from __future__ import annotations

import csv
import gc
import io
from contextlib import contextmanager

from sqlalchemy import insert, select

from app import audit, bulk_insert
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.page_cache import PageCache, bigger_page_cache
from modules.contacts.contracts import webhooks
from modules.contacts.importer import documents, mapping, updates, value_lists
from modules.contacts.importer.plan import CREATE, FAIL, PREVIEW_LIMIT, SKIP_MATCH, SKIP_NEW, UPDATE, Planned, Planner
from modules.contacts.importer.updates import ADDRESS_PARTS, CUSTOM_COLUMNS
from modules.contacts.importer.upload import Intake
from modules.contacts.lists import search
from modules.contacts.lists.export import safe_cell
from modules.contacts.models import (
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
    ImportRun,
    Tag,
)
from modules.contacts.people.phones import default_region

# Chunks (plan.CHUNK rows each) written per commit: each commit costs a
# rewrite of the run's row and a flush of the search index (~0.1 s on SQLite).
COMMIT_EVERY = 5
CONTACT_TEXT = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "name",
                "pronouns", "preferred_language", "notes", "source", "salutation", "addressee")
CONTACT_COLUMNS = ("kind", *CONTACT_TEXT, "display_name", "sort_name", "email", "phone", "city", "postcode",
                   "country", "birth_date", "owner_id", "do_not_email", "do_not_phone", "do_not_mail",
                   "email_opt_in", "created_at", "updated_at", "created_by_id")
# Uploads: read once, at upload or by this job in "read" mode (upload.py).
INTAKE = Intake("contacts.import", PREVIEW_LIMIT, lambda headers: mapping.guess(headers, mapping.targets()))


def activity_subject(run: ImportRun) -> str:
    return f"Imported from {run.filename}"[:200]


def failures_header(run: ImportRun) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(h) for h in run.headers] + ["Problem"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def failures_rows(run: ImportRun, failed: list[Planned]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    width = len(run.headers)
    for planned in failed:
        cells = (planned.row.cells + [""] * width)[:width]
        writer.writerow([safe_cell(c) for c in cells] + [safe_cell(f"Row {planned.row.line}: "
                                                                   + planned.row.problem_text())])
    return buffer.getvalue().encode("utf-8")


class Writer:
    def __init__(self, run: ImportRun, user, fields: list[CustomField]):
        self.run, self.user = run, user
        self.user_id = getattr(user, "id", None)
        self.fields = {f.id: f for f in fields}
        self.tags = {t.name.lower(): t.id for t in db.session.scalars(select(Tag))}
        self.subject = activity_subject(run)
        self.home = default_region()

    # tags and custom values ---------------------------------------------------

    def tag_ids(self, names: list[str]) -> list[int]:
        missing = [n for n in dict.fromkeys(names) if n.lower() not in self.tags]
        if missing:
            made = db.session.execute(insert(Tag.__table__).returning(Tag.__table__.c.id, sort_by_parameter_order=True),
                                      [{"name": n, "colour": "blue"} for n in missing]).scalars().all()
            for name, tag_id in zip(missing, made, strict=True):
                self.tags[name.lower()] = tag_id
            value_lists.note_created_tags(self.run, made)  # undo removes them if no one uses them by then
        return [self.tags[n.lower()] for n in names]

    def custom_rows(self, contact_id: int, values: dict[int, object]) -> list[tuple]:
        """Rows of CUSTOM_COLUMNS for a contact's custom values."""
        out = []
        for field_id, value in values.items():
            kind = self.fields[field_id].type
            for item in (value if kind == "multi_choice" else [value]):
                out.append((contact_id, field_id, item if kind not in ("number", "date", "yes_no") else None,
                            item if kind == "number" else None, item if kind == "date" else None,
                            item if kind == "yes_no" else None))
        return out

    # new contacts -------------------------------------------------------------

    def create(self, planned: list[Planned]) -> int:
        if not planned:
            return 0
        now, rows, derived = utcnow(), [], []
        source = f"Import: {self.run.filename}"[:100]
        for item in planned:
            row = item.row
            v = row.values
            display, sort = documents.names(row.kind, v.get)
            address = row.address
            derived.append(display)
            rows.append((
                row.kind, *[v.get(k, "") for k in CONTACT_TEXT], display, sort,
                row.emails[0] if row.emails else None, row.phones[0][0] if row.phones else None,
                (address.get("city") or None) if address else None,
                (address.get("postcode", "").upper() or None) if address else None,
                (address.get("country", "").upper() or None) if address else None,
                v.get("birth_date"), self.user_id, v.get("do_not_email", False), v.get("do_not_phone", False),
                v.get("do_not_mail", False), row.opt_in or "unknown", now, now, self.user_id))
        ids = bulk_insert.insert_returning_ids(Contact.__table__, CONTACT_COLUMNS, rows)
        emails, phones, addresses, tags, custom, consent, activity, changes, docs, entries = (
            [], [], [], [], [], [], [], [], [], [])
        for contact_id, item, display in zip(ids, planned, derived, strict=True):
            row = item.row
            emails += [(contact_id, e, "", i == 0) for i, e in enumerate(row.emails)]
            phones += [(contact_id, n, label, i == 0) for i, (n, label, _) in enumerate(row.phones)]
            if row.address:
                addresses.append((contact_id, "", True, *[row.address.get(p, "") for p in ADDRESS_PARTS]))
            if row.tags:
                tags += [(contact_id, t) for t in self.tag_ids(row.tags)]
            if row.custom:
                custom += self.custom_rows(contact_id, row.custom)
            if row.opt_in:
                consent.append((contact_id, row.opt_in, source, "", now, self.user_id))
            activity.append((contact_id, "change", self.subject, "", now, now, self.user_id))
            changes.append((self.run.id, contact_id, "created", None))
            # the phones' search digits were worked out when the row was read
            docs.append((contact_id, documents.new_document(row.values, display, row.emails,
                                                            [d for _, _, d in row.phones])))
            entries.append((contact_id, f"Created {row.kind} {display} (import #{self.run.id})", None))
        for model, columns, values in (
                (ContactEmail, ("contact_id", "email", "label", "is_primary"), emails),
                (ContactPhone, ("contact_id", "number", "label", "is_primary"), phones),
                (ContactAddress, ("contact_id", "label", "is_primary", *ADDRESS_PARTS), addresses),
                (ContactTag, ("contact_id", "tag_id"), tags),
                (CustomValue, CUSTOM_COLUMNS, custom),
                (ConsentEntry, ("contact_id", "status", "source", "wording", "at", "user_id"), consent),
                (Activity, ("contact_id", "kind", "subject", "body", "occurred_at", "created_at", "user_id"),
                 activity),
                (ImportChange, ("import_id", "contact_id", "action", "before"), changes)):
            if values:
                bulk_insert.insert_rows(model.__table__, columns, values)
        search.reindex(docs)
        audit.record_many(audit.CREATE, "contacts_contact", entries, user=self.user)
        webhooks.imported(ids, [])
        return len(ids)

    # matched contacts -----------------------------------------------------------

    def update(self, planned: list[Planned]) -> tuple[int, int]:
        """Apply non-empty cells to the matched contacts: (updated, unchanged)."""
        return updates.apply(self, planned, self.home)


@contextmanager
def fewer_collections():
    """A chunk's rows are a few hundred thousand small objects that live
    until the chunk is written; with the default thresholds the cyclic
    garbage collector walks them over and over (about a tenth of an import's
    CPU). Collections still happen, less often; the thresholds come back after."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def execute(run: ImportRun, user=None, *, progress=None) -> ImportRun:
    """Import every row of `run` with its mapping and rules, committing per
    chunk; `progress(done, total)` after each. Safe to call again after a crash:
    it carries on after the rows already counted."""
    with fewer_collections(), bigger_page_cache() as cache:
        return _execute(run, user, progress, cache)


def _execute(run: ImportRun, user, progress, cache: PageCache) -> ImportRun:
    value_lists.add_created_choices(run, mapping.custom_fields())  # before the rows are read with them
    planner = Planner(run)
    writer = Writer(run, user, planner.fields)
    start = run.created + run.updated + run.skipped + run.failed
    if run.status != "running":
        run.status = "running"
        db.session.commit()
    done = 0
    counts = _Counts()
    for batch in planner.chunks():
        if done < start:  # rows done by an earlier attempt (whatever its chunk size): keys only
            skip = min(start - done, len(batch))
            planner.plan(batch[:skip], lookup=False)
            done += skip
            batch = batch[skip:]
            if not batch:
                continue
        cache.ensure()
        planned = planner.plan(batch)
        by_action: dict[str, list[Planned]] = {}
        for item in planned:
            by_action.setdefault(item.action, []).append(item)
        counts.created += writer.create(by_action.get(CREATE, []))
        updated, unchanged = writer.update(by_action.get(UPDATE, []))
        counts.updated += updated
        counts.skipped += unchanged + len(by_action.get(SKIP_MATCH, [])) + len(by_action.get(SKIP_NEW, []))
        counts.failed += by_action.get(FAIL, [])
        done += len(batch)
        counts.chunks += 1
        if counts.chunks >= COMMIT_EVERY:
            _commit(run, counts, done, progress)
            counts = _Counts()
    if counts.chunks:
        _commit(run, counts, done, progress)
    run.status, run.finished_at = "finished", utcnow()
    audit.record(audit.CREATE, run, user=user,
                 summary=f"Imported {run.filename}: {run.created:,} created, {run.updated:,} updated, "
                         f"{run.skipped:,} skipped, {run.failed:,} failed")
    db.session.commit()
    return run


class _Counts:
    """What the chunks since the last commit did."""

    def __init__(self):
        self.chunks = self.created = self.updated = self.skipped = 0
        self.failed: list[Planned] = []


def _commit(run: ImportRun, counts: _Counts, done: int, progress) -> None:
    """Save the chunks' work with the run's counts (so a retry carries on
    after them) and report progress. The run changes only here: SQLite
    rewrites its whole row, the uploaded file's bytes included, whenever it
    is saved, and a change made earlier would be flushed by the next chunk's
    first query."""
    run.created += counts.created
    run.updated += counts.updated
    run.skipped += counts.skipped
    if counts.failed:
        run.failed += len(counts.failed)
        run.failures_csv = (run.failures_csv or failures_header(run)) + failures_rows(run, counts.failed)
    if progress:
        progress(done, run.rows_total)  # commits
    else:
        db.session.commit()


def job(job, *, import_id: int, user_id: int | None = None, mode: str = "run", **_ignored) -> dict:
    """The "contacts.import" job: read a big uploaded file, run an import, or undo one."""
    from app.jobs import job_progress
    from modules.contacts.importer import undo

    run = db.session.get(ImportRun, import_id)
    if run is None:
        return {"missing": import_id}
    if mode == "read":
        return INTAKE.read_job(job, run)
    user = db.session.get(User, user_id) if user_id else None
    if mode == "undo":
        run.status = "undoing"  # again, when an interrupted undo resumes
        job_progress(job, 0, None, f"Undoing the import of {run.filename}")
        result = undo.undo(run, user, progress=lambda done, total: job_progress(job, done, total))
        return result
    if run.status == "finished":
        return counts(run)
    job_progress(job, 0, run.rows_total, f"Importing {run.filename}")
    try:
        execute(run, user, progress=lambda done, total: job_progress(job, done, total))
    except Exception:
        db.session.rollback()
        run = db.session.get(ImportRun, import_id)
        run.status = "failed"
        db.session.commit()
        raise
    return counts(run)


def interrupted(job, resuming: bool) -> None:
    """The worker running this import (or its undo) died, or it is queued
    again after that: what it committed stays, its counts saying how far it
    got. Resumed, it waits for a worker; otherwise its page offers Resume and Undo."""
    run = db.session.get(ImportRun, (job.args or {}).get("import_id"))
    if run is not None and run.job_id == job.id and run.status in ("queued", "running", "undoing", "interrupted"):
        run.status = "queued" if resuming else "interrupted"


def counts(run: ImportRun) -> dict:
    return {"created": run.created, "updated": run.updated, "skipped": run.skipped, "failed": run.failed}


def new_run(data: bytes, filename: str, user=None, *, in_request: bool = False) -> ImportRun:
    """An ImportRun for an uploaded file, its columns guessed; raises
    reading.FileProblem for a file that cannot be imported. `in_request`:
    leave a big file to the worker."""
    run = ImportRun(filename=(filename or "upload")[:255], data=data, created_by_id=getattr(user, "id", None),
                    status="uploaded")
    return INTAKE.take(run, user, in_request=in_request)
