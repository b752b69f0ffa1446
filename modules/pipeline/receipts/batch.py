"""The "pipeline.receipts" job: a batch run of letters (thank-yous for
gifts, a year's statements, tribute notifications) with progress.

It walks the scope by id in chunks of CHUNK letters. Each letter is
rendered once; those that may be emailed go to the outbox with their PDF
attached, the rest are printed into one PDF part per chunk, and at the end
the parts become one file to download and print
(instance/receipts/<job id>.pdf). Every letter gets its Acknowledgement in
the chunk's transaction, together with the job's cursor (in `job.result`),
so a job that is stopped and retried carries on after the last chunk it
finished and never sends a letter twice.

Each letter renders in this process within the template limits of
app.templating (work, deadline, the size of every text and list, output):
a letter that passes one is counted as failed, its reason goes into the
run's problems, and the run carries on. Letters do not get a child process
each, as previews do: the job already runs in a work horse RQ forks for it,
so even a hole in the sandbox could take down only this job, never the web
server or the worker; and forking this loaded process costs about 20-30 ms
(measured on a busy 2-core VM), 10-15% on top of the ~200 ms of a letter's
PDF, for every letter of runs that can be thousands long.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from flask import current_app
from sqlalchemy.orm.attributes import flag_modified

from app import audit, mail
from app.extensions import db
from app.models import User
from app.templating import TemplateProblem
from modules.contacts.activity.timeline import local_today
from modules.pipeline.receipts import deliver, letters, numbers, pdf
from modules.pipeline.receipts.scope import Scope, counts, items, key_column

KIND = "pipeline.receipts"
CHUNK = 50
KEEP_FILES_DAYS = 30
MAX_PROBLEMS = 20


def files_dir() -> Path:
    path = Path(current_app.instance_path) / "receipts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job_id: int) -> Path:
    return files_dir() / f"{int(job_id)}.pdf"


def _parts_dir(job_id: int) -> Path:
    return files_dir() / f"{int(job_id)}-parts"


def prune_files(days: int = KEEP_FILES_DAYS) -> None:
    cutoff = time.time() - days * 86_400
    for path in files_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _letters_for(scope: Scope, ids: list[int], template, today) -> list:
    """(key, Letter or the problem text) for each id of a chunk."""
    out = []
    if scope.kind == letters.STATEMENT:
        contacts = letters.load_contacts(ids)
        gifts = letters.year_gifts([c.id for c in contacts], scope.year)
        for contact in contacts:
            try:
                out.append((contact.id, letters.statement(contact, scope.year, gifts[contact.id], template, today)))
            except TemplateProblem as problem:
                out.append((contact.id, f"{contact.display_name}: {problem}"))
        return out
    make = letters.thank_you if scope.kind == letters.THANK_YOU else letters.tribute
    for gift in letters.load_gifts(ids):
        try:
            out.append((gift.id, make(gift, template, today)))
        except (TemplateProblem, letters.NoTemplate) as problem:
            out.append((gift.id, f"Gift #{gift.id}: {problem}"))
    return out


def run_job(job, *, scope: dict, **_ignored) -> dict:
    from app.jobs import job_progress

    prune_files()
    sc = Scope.from_args(scope)
    template = letters.template_for(sc.kind, sc.template_id)
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    today = local_today()
    state = dict(job.result or {})
    if "cursor" not in state:  # a fresh run, not a retry carrying on
        state = {"cursor": 0, "emailed": 0, "printed": 0, "failed": 0, "problems": [], "parts": [],
                 "total": counts(sc)["letters"]}
    total = state["total"]
    job_progress(job, state["emailed"] + state["printed"] + state["failed"], total, sc.describe())
    parts = _parts_dir(job.id)
    parts.mkdir(parents=True, exist_ok=True)
    key = key_column(sc)
    while True:
        ids = list(db.session.scalars(items(sc).where(key > state["cursor"]).order_by(key).limit(CHUNK)))
        if not ids:
            break
        if sc.kind == letters.THANK_YOU and numbers.assign(ids):
            # Numbered and committed before any letter is made: the year's
            # counter is locked only this long, and a retried chunk finds
            # the same numbers on the same gifts.
            db.session.commit()
        to_print, entries, emails = [], [], []
        for _, letter in _letters_for(sc, ids, template, today):
            if isinstance(letter, str):
                state["failed"] += 1
                if len(state["problems"]) < MAX_PROBLEMS:
                    state["problems"].append(letter)
                continue
            if sc.use_email and deliver.email_refusal(letter.recipient) is None:
                document = pdf.letters_pdf([letter.frame()])
                ack = deliver.email(letter, document, user=user, audited=False, held=emails)
                state["emailed"] += 1
            else:
                to_print.append(letter)
                ack = deliver.record(letter, deliver.DOWNLOAD, user=user, audited=False)
                state["printed"] += 1
            entries.append((ack, deliver.describe(letter, ack.channel)))
        if to_print:
            name = f"part-{len(state['parts']) + 1:05d}.pdf"
            (parts / name).write_bytes(pdf.letters_pdf([letter.frame() for letter in to_print]))
            state["parts"].append(name)
        db.session.flush()
        mail.schedule(emails)  # the chunk's letters in one delivery job, not one each
        audit.record_many(audit.CREATE, "pipeline_acknowledgement",
                          [(ack.id, f"{text} (batch job {job.id})", None) for ack, text in entries], user=user)
        state["cursor"] = ids[-1]
        job.result = dict(state)
        flag_modified(job, "result")
        job_progress(job, state["emailed"] + state["printed"] + state["failed"], max(total, state["emailed"]
                     + state["printed"] + state["failed"]))
    pages = 0
    if state["parts"]:
        pages = pdf.combine([parts / name for name in state["parts"]], job_file(job.id))
    shutil.rmtree(parts, ignore_errors=True)
    return {"kind": sc.kind, "describe": sc.describe(), "emailed": state["emailed"], "printed": state["printed"],
            "failed": state["failed"], "problems": state["problems"], "pages": pages,
            "file": job_file(job.id).name if pages else None, "cursor": state["cursor"], "total": total,
            "parts": []}
