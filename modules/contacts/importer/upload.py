"""Taking an uploaded file (step 1 of contact import and of gift import):
check it, then read it once and keep what the later steps show
(`reading.inspect`). A web request reads a small file itself; a big one it
leaves to the worker (the importer's job in "read" mode) and shows the run
as "reading" until the worker is done. A file that cannot be imported is
refused with the reason: in the request as an error next to the upload
field, from the worker on the run's page (status "refused")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app import jobs
from app.extensions import db
from modules.contacts.importer import reading

READING, REFUSED = "reading", "refused"


@dataclass(frozen=True)
class Intake:
    """How an importer takes files. Its runs (contacts' ImportRun, the
    pipeline's GiftImport) share the columns used here: data, filename,
    status, job_id, encoding, delimiter, headers, rows_total, mapping,
    sample, problem."""

    job_kind: str  # the importer's job; its "read" mode calls `read_job`
    keep: int  # first rows kept for the mapping and preview pages
    guess: Callable[[list[str]], dict]  # headers -> the guessed mapping

    def take(self, run, user=None, *, in_request: bool = False):
        """Read the new `run`'s file, or (`in_request`, a big file) leave it
        to the worker; add the run to the session. Raises
        reading.FileProblem for a file that cannot be imported."""
        if in_request and not reading.read_in_request(run.data, run.filename):
            run.status = READING
            db.session.add(run)
            db.session.flush()
            run.job_id = jobs.enqueue(self.job_kind, f"Read {run.filename}"[:200],
                                      {"import_id": run.id, "mode": "read"}, user=user).id
            return run
        self.read(run)
        db.session.add(run)
        db.session.flush()
        return run

    def read(self, run, progress=None) -> None:
        found = reading.inspect(run.data, run.filename, keep=self.keep, progress=progress)
        run.encoding, run.delimiter, run.headers, run.rows_total = (found.encoding, found.delimiter,
                                                                    found.headers, found.rows)
        run.mapping = self.guess(found.headers)
        run.sample = found.sample
        run.status = "uploaded"

    def read_job(self, job, run) -> dict:
        """The worker's read of a big file; a refused file's bytes are dropped."""
        if run.status != READING:
            return {"status": run.status}
        jobs.job_progress(job, 0, None, f"Reading {run.filename}")
        try:
            self.read(run, progress=lambda done: jobs.job_progress(job, done))
        except reading.FileProblem as problem:
            _refuse(run, str(problem))
        except Exception:
            db.session.rollback()
            _refuse(db.session.get(type(run), run.id), reading.UNREADABLE)
            db.session.commit()
            raise
        db.session.commit()
        return {"status": run.status, "rows": run.rows_total, "problem": run.problem}


def _refuse(run, problem: str) -> None:
    run.status, run.problem = REFUSED, problem[:500]
    run.data = b""
