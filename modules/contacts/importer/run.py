"""Running an import: the "contacts.import" job, and the same work for the CLI.

Chunks of CHUNK rows; per chunk, new contacts and their details go in with
multi-row INSERTs (no ORM object per row), derived columns come from
`records.refresh_derived`, search documents from `search.document` and
`search.reindex`, and audit entries from `audit.record_many`. Matched
contacts are updated through the ORM (fewer, and each needs its `before`).
Each chunk commits with the run's counts and the job's progress, so a job
that stops can be run again and carries on after the last chunk it finished.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from app import audit
from app.database import insert_returning_ids
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from modules.contacts import records, search
from modules.contacts.bulk import safe_cell
from modules.contacts.importer import snapshot
from modules.contacts.importer.plan import CREATE, FAIL, SKIP_MATCH, SKIP_NEW, UPDATE, Planned, Planner
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
    ImportRun,
    Tag,
)

CONTACT_TEXT = ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "name",
                "pronouns", "preferred_language", "notes", "source")
ADDRESS_PARTS = ("line1", "line2", "city", "region", "postcode", "country")


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

    # tags and custom values ---------------------------------------------------

    def tag_ids(self, names: list[str]) -> list[int]:
        missing = [n for n in dict.fromkeys(names) if n.lower() not in self.tags]
        if missing:
            made = db.session.execute(insert(Tag.__table__).returning(Tag.__table__.c.id, sort_by_parameter_order=True),
                                      [{"name": n, "colour": "blue"} for n in missing]).scalars().all()
            for name, tag_id in zip(missing, made, strict=True):
                self.tags[name.lower()] = tag_id
        return [self.tags[n.lower()] for n in names]

    def custom_rows(self, contact_id: int, values: dict[int, object]) -> list[dict]:
        out = []
        for field_id, value in values.items():
            kind = self.fields[field_id].type
            for item in (value if kind == "multi_choice" else [value]):
                out.append({"contact_id": contact_id, "field_id": field_id,
                            "value_text": item if kind not in ("number", "date", "yes_no") else None,
                            "value_number": item if kind == "number" else None,
                            "value_date": item if kind == "date" else None,
                            "value_bool": item if kind == "yes_no" else None})
        return out

    # new contacts -------------------------------------------------------------

    def create(self, planned: list[Planned]) -> int:
        if not planned:
            return 0
        now, rows, shapes = utcnow(), [], []
        source = f"Import: {self.run.filename}"[:100]
        for item in planned:
            row = item.row
            v = row.values
            shape = SimpleNamespace(
                kind=row.kind, **{k: v.get(k, "") for k in CONTACT_TEXT},
                emails=[SimpleNamespace(email=e, is_primary=i == 0) for i, e in enumerate(row.emails)],
                phones=[SimpleNamespace(number=n, is_primary=i == 0) for i, (n, _, _) in enumerate(row.phones)],
                addresses=[SimpleNamespace(is_primary=True, **{p: (row.address or {}).get(p, "") for p in
                                                               ADDRESS_PARTS})] if row.address else [])
            records.refresh_derived(shape)
            shapes.append(shape)
            rows.append({
                "kind": row.kind, **{k: v.get(k, "") for k in CONTACT_TEXT},
                "display_name": shape.display_name, "sort_name": shape.sort_name, "email": shape.email,
                "phone": shape.phone, "city": shape.city, "postcode": shape.postcode, "country": shape.country,
                "birth_date": v.get("birth_date"), "owner_id": self.user_id, "household_id": None,
                "do_not_email": v.get("do_not_email", False), "do_not_phone": v.get("do_not_phone", False),
                "do_not_mail": v.get("do_not_mail", False), "email_opt_in": row.opt_in or "unknown",
                "created_at": now, "updated_at": now, "created_by_id": self.user_id, "deleted_at": None})
        ids = insert_returning_ids(Contact.__table__, rows)
        emails, phones, addresses, tags, custom, consent, activity, changes, docs, entries = (
            [], [], [], [], [], [], [], [], [], [])
        for contact_id, item, shape in zip(ids, planned, shapes, strict=True):
            row = item.row
            emails += [{"contact_id": contact_id, "email": e, "label": "", "is_primary": i == 0}
                       for i, e in enumerate(row.emails)]
            phones += [{"contact_id": contact_id, "number": n, "label": label, "is_primary": i == 0}
                       for i, (n, label, _) in enumerate(row.phones)]
            if row.address:
                addresses.append({"contact_id": contact_id, "label": "", "is_primary": True,
                                  **{p: row.address.get(p, "") for p in ADDRESS_PARTS}})
            if row.tags:
                tags += [{"contact_id": contact_id, "tag_id": t} for t in self.tag_ids(row.tags)]
            if row.custom:
                custom += self.custom_rows(contact_id, row.custom)
            if row.opt_in:
                consent.append({"contact_id": contact_id, "status": row.opt_in, "source": source, "wording": "",
                                "at": now, "user_id": self.user_id})
            activity.append({"contact_id": contact_id, "kind": "change", "subject": self.subject, "body": "",
                             "occurred_at": now, "created_at": now, "user_id": self.user_id})
            changes.append({"import_id": self.run.id, "contact_id": contact_id, "action": "created",
                            "before": None})
            # the phones' search digits were worked out when the row was read
            docs.append((contact_id, search.document(shape, shape.emails, (), extra=[d for _, _, d in row.phones])))
            entries.append((contact_id, f"Created {row.kind} {shape.display_name} (import #{self.run.id})", None))
        for model, values in ((ContactEmail, emails), (ContactPhone, phones), (ContactAddress, addresses),
                              (ContactTag, tags), (CustomValue, custom), (ConsentEntry, consent),
                              (Activity, activity), (ImportChange, changes)):
            if values:
                db.session.execute(insert(model.__table__), values)
        search.reindex(docs)
        audit.record_many(audit.CREATE, "contacts_contact", entries, user=self.user)
        return len(ids)

    # matched contacts -----------------------------------------------------------

    def update(self, planned: list[Planned]) -> tuple[int, int]:
        """Apply non-empty cells to the matched contacts: (updated, unchanged)."""
        if not planned:
            return 0, 0
        ids = list({p.contact_id for p in planned})
        contacts = {c.id: c for c in db.session.scalars(
            select(Contact).where(Contact.id.in_(ids)).options(
                selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses),
                selectinload(Contact.tags)))}
        field_ids = {fid for p in planned for fid in p.row.custom}
        current: dict[tuple[int, int], list[CustomValue]] = {}
        if field_ids:
            for value in db.session.scalars(select(CustomValue).where(
                    CustomValue.contact_id.in_(ids), CustomValue.field_id.in_(field_ids)).order_by(CustomValue.id)):
                current.setdefault((value.contact_id, value.field_id), []).append(value)
        now, source = utcnow(), f"Import: {self.run.filename}"[:100]
        updated, unchanged, touched, entries = 0, 0, [], []
        self.pending_tags, self.pending_custom = [], []
        done: set[int] = set()
        for item in planned:
            contact = contacts.get(item.contact_id)
            if contact is None or contact.id in done:  # two rows for one contact: the first wins
                unchanged += 1
                continue
            done.add(contact.id)
            row = item.row
            before = snapshot.take(contact, current, row.custom)
            changes = self._apply(contact, row, current, now, source)
            if not changes:
                unchanged += 1
                continue
            updated += 1
            contact.updated_at = now
            records.refresh_derived(contact)
            touched.append(contact)
            before = snapshot.mark(before, changes, {fid: f.label for fid, f in self.fields.items()})
            db.session.add(ImportChange(import_id=self.run.id, contact_id=contact.id, action="updated",
                                        before=before))
            db.session.add(Activity(contact_id=contact.id, kind="change", subject=self.subject,
                                    body="Changed " + ", ".join(records.LABELS.get(k, k.replace("_", " "))
                                                                for k in changes)[:1000],
                                    occurred_at=now, user_id=self.user_id))
            entries.append((contact.id, f"Updated {contact.display_name} (import #{self.run.id})", changes))
        db.session.flush()
        if self.pending_tags:
            db.session.execute(insert(ContactTag.__table__), self.pending_tags)
        by_field: dict[int, list[int]] = {}
        rows = []
        for contact_id, field_id, value in self.pending_custom:
            by_field.setdefault(field_id, []).append(contact_id)
            rows += self.custom_rows(contact_id, {field_id: value})
        for field_id, contact_ids in by_field.items():
            db.session.execute(delete(CustomValue.__table__).where(CustomValue.field_id == field_id,
                                                                   CustomValue.contact_id.in_(contact_ids)))
        if rows:
            db.session.execute(insert(CustomValue.__table__), rows)
        records.index(touched)
        audit.record_many(audit.UPDATE, "contacts_contact", entries, user=self.user)
        return updated, unchanged

    def _apply(self, contact: Contact, row, current, now, source) -> dict:
        allowed = set(records.COMMON_FIELDS) | set(
            records.PERSON_FIELDS if contact.kind == PERSON else records.GROUP_FIELDS)
        values = {k: v for k, v in row.values.items() if k in allowed and v not in ("", None)}
        changes = audit.diff(contact, values)
        have = {e.email.lower() for e in contact.emails}
        added = [e for e in row.emails if e not in have]
        for email in added:
            contact.emails.append(ContactEmail(email=email, label="", is_primary=not contact.emails))
        if added:
            changes["emails"] = ("", ", ".join(added))
        numbers = {p.number for p in contact.phones}
        added = [(n, label) for n, label, _ in row.phones if n not in numbers]
        for number, label in added:
            contact.phones.append(ContactPhone(number=number, label=label, is_primary=not contact.phones))
        if added:
            changes["phones"] = ("", ", ".join(n for n, _ in added))
        if row.address:
            primary = next((a for a in contact.addresses if a.is_primary), None) or (
                contact.addresses[0] if contact.addresses else None)
            if primary is None:
                contact.addresses.append(ContactAddress(label="", is_primary=True, **{
                    p: row.address.get(p, "") for p in ADDRESS_PARTS}))
                changes["addresses"] = ("", ", ".join(v for v in row.address.values() if v))
            else:
                moved = audit.diff(primary, {p: v for p, v in row.address.items() if v})
                if moved:
                    changes["addresses"] = (", ".join(str(a) for a, _ in moved.values()),
                                            ", ".join(str(b) for _, b in moved.values()))
        if row.tags:
            have_tags = {t.id for t in contact.tags}
            new = [t for t in self.tag_ids(row.tags) if t not in have_tags]
            if new:
                self.pending_tags += [{"contact_id": contact.id, "tag_id": t} for t in new]
                changes["tags"] = ("", "+" + ", +".join(n for n in row.tags if self.tags[n.lower()] in new))
        for field_id, value in row.custom.items():
            field = self.fields[field_id]
            old = current.get((contact.id, field_id), [])
            old_values = [_typed(field, v) for v in old]
            new_values = value if field.type == "multi_choice" else [value]
            if old_values == list(new_values):
                continue
            self.pending_custom.append((contact.id, field_id, value))
            changes[field.label] = (", ".join(map(str, old_values)), ", ".join(map(str, new_values)))
        if row.opt_in and row.opt_in != contact.email_opt_in:
            changes["email_opt_in"] = (contact.email_opt_in, row.opt_in)
            contact.email_opt_in = row.opt_in
            db.session.add(ConsentEntry(contact_id=contact.id, status=row.opt_in, source=source, at=now,
                                        user_id=self.user_id))
        return changes


def _typed(field: CustomField, value: CustomValue):
    return {"number": value.value_number, "date": value.value_date, "yes_no": value.value_bool}.get(
        field.type, value.value_text)


def execute(run: ImportRun, user=None, *, progress=None) -> ImportRun:
    """Import every row of `run` with its mapping and rules, committing per
    chunk; `progress(done, total)` after each. Safe to call again after a crash:
    it carries on after the rows already counted."""
    planner = Planner(run)
    writer = Writer(run, user, planner.fields)
    start = run.created + run.updated + run.skipped + run.failed
    if run.status != "running":
        run.status = "running"
        db.session.commit()
    done = 0
    for batch in planner.chunks():
        if done + len(batch) <= start:
            planner.plan(batch, lookup=False)  # rows done by an earlier attempt: keys only
            done += len(batch)
            continue
        planned = planner.plan(batch)
        by_action: dict[str, list[Planned]] = {}
        for item in planned:
            by_action.setdefault(item.action, []).append(item)
        run.created += writer.create(by_action.get(CREATE, []))
        updated, unchanged = writer.update(by_action.get(UPDATE, []))
        run.updated += updated
        run.skipped += unchanged + len(by_action.get(SKIP_MATCH, [])) + len(by_action.get(SKIP_NEW, []))
        failed = by_action.get(FAIL, [])
        if failed:
            run.failed += len(failed)
            run.failures_csv = (run.failures_csv or failures_header(run)) + failures_rows(run, failed)
        done += len(batch)
        if progress:
            progress(done, run.rows_total)  # commits
        else:
            db.session.commit()
    run.status, run.finished_at = "finished", utcnow()
    audit.record(audit.CREATE, run, user=user,
                 summary=f"Imported {run.filename}: {run.created:,} created, {run.updated:,} updated, "
                         f"{run.skipped:,} skipped, {run.failed:,} failed")
    db.session.commit()
    return run


def job(job, *, import_id: int, user_id: int | None = None, mode: str = "run", **_ignored) -> dict:
    """The "contacts.import" job: run an import, or undo one."""
    from app.jobs import job_progress
    from modules.contacts.importer import undo

    run = db.session.get(ImportRun, import_id)
    if run is None:
        return {"missing": import_id}
    user = db.session.get(User, user_id) if user_id else None
    if mode == "undo":
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


def counts(run: ImportRun) -> dict:
    return {"created": run.created, "updated": run.updated, "skipped": run.skipped, "failed": run.failed}


def new_run(data: bytes, filename: str, user=None) -> ImportRun:
    """An ImportRun for an uploaded file, its columns guessed; raises
    reading.FileProblem for a file that cannot be imported."""
    from modules.contacts.importer import mapping, reading

    found = reading.inspect(data, filename)
    guessed = mapping.guess(found.headers, mapping.targets())
    run = ImportRun(filename=(filename or "upload")[:255], data=data, encoding=found.encoding,
                    delimiter=found.delimiter, headers=found.headers, mapping=guessed, rows_total=found.rows,
                    created_by_id=getattr(user, "id", None), status="uploaded")
    db.session.add(run)
    db.session.flush()
    return run
