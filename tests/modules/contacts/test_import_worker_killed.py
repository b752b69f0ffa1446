"""A worker killed in the middle of an import (SIGKILL, the horse too)
strands nothing: the next worker finds the job by its stale heartbeat and
resumes it after the last committed chunk, so every row of the file is in
once; an import that is not resumed can be undone, leaving nothing behind."""

from __future__ import annotations

import csv
import io
import time

from sqlalchemy import func, select

from app import heartbeat, jobs
from app.extensions import db
from app.jobs import stranded
from app.models import Job
from modules.contacts.importer.run import new_run
from modules.contacts.models import Contact, ContactEmail, ImportChange, ImportRun
from tests.conftest import csrf_from
from tests.workers import kill, start_worker, stop, wait_for_job

ROWS = 20_000  # four commits of 5,000 rows (importer.COMMIT_EVERY chunks of plan.CHUNK)
FAST_BEATS = {"WORKER_HEARTBEAT": "1", "WORKER_LOST_AFTER": "3"}


def _file(n: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["First name", "Last name", "Email"])
    writer.writerows([f"Pat{i}", f"Row-{i}", f"row{i}@example.org"] for i in range(n))
    return buffer.getvalue().encode("utf-8")


def _start_import(app) -> tuple[int, int]:
    with app.app_context():
        run = new_run(_file(ROWS), "people.csv")
        job = jobs.enqueue("contacts.import", "Import people.csv", {"import_id": run.id})
        run.status, run.job_id = "queued", job.id
        db.session.commit()
        return run.id, job.id


def _kill_mid_import(app, tmp_path, run_id: int) -> None:
    """Start a worker, kill it once the import committed its first chunks."""
    worker, log = start_worker(app, tmp_path, "killed", **FAST_BEATS)
    deadline = time.monotonic() + 120
    while True:
        with app.app_context():
            done = db.session.scalar(select(ImportRun.created).where(ImportRun.id == run_id))
        if done:
            break
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the import never committed a chunk:\n" + log.read_text()[-3000:]
        time.sleep(0.05)
    kill(worker)
    with app.app_context():
        run = db.session.get(ImportRun, run_id)
        job = db.session.get(Job, run.job_id)
        # stranded: what the user saw, "Running" forever
        assert (run.status, job.status) == ("running", Job.STARTED)
        assert 0 < run.created < ROWS


def _counts(run_id: int) -> tuple[int, int, int]:
    contacts = db.session.scalar(select(func.count()).select_from(Contact))
    emails = db.session.scalar(select(func.count(func.distinct(ContactEmail.email))))
    changes = db.session.scalar(select(func.count()).select_from(ImportChange).where(ImportChange.import_id == run_id))
    return contacts, emails, changes


def test_a_killed_import_is_resumed_by_the_next_worker_with_every_row_once(app, tmp_path):
    run_id, job_id = _start_import(app)
    _kill_mid_import(app, tmp_path, run_id)
    worker, log = start_worker(app, tmp_path, "next", **FAST_BEATS)
    try:
        job = wait_for_job(app, job_id, worker, log, timeout=180)
    finally:
        stop(worker, log)
    assert job.status == Job.FINISHED, job.error
    assert job.attempts == 2  # the killed run, then the resumed one
    with app.app_context():
        run = db.session.get(ImportRun, run_id)
        assert (run.status, run.created, run.failed) == ("finished", ROWS, 0)
        assert _counts(run_id) == (ROWS, ROWS, ROWS)
        assert heartbeat.job_beats(app.extensions["steward"].redis, [job_id]) == {}


def test_an_interrupted_import_shows_resume_and_undo_and_undo_leaves_nothing(app, tmp_path, admin_client,
                                                                            monkeypatch):
    run_id, job_id = _start_import(app)
    _kill_mid_import(app, tmp_path, run_id)
    # No worker resumes it: it was killed as often as a job is resumed by itself.
    monkeypatch.setattr(stranded, "AUTO_RESUMES", 1)
    monkeypatch.setitem(app.config, "WORKER_LOST_AFTER", 2)
    time.sleep(2.5)
    with app.app_context():
        assert stranded.sweep() == {"interrupted": [job_id], "resumed": []}
        written = db.session.get(ImportRun, run_id).created
    page = admin_client.get(f"/contacts/import/{run_id}").get_data(as_text=True)
    assert "Interrupted" in page and f"stopped after {written:,} rows" in page
    assert "Resume the import" in page and "Undo this import" in page
    token = csrf_from(admin_client, f"/contacts/import/{run_id}/undo")
    response = admin_client.post(f"/contacts/import/{run_id}/undo", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        run = db.session.get(ImportRun, run_id)
        assert run.status == "undoing"  # more changes than an undo in the request
        assert jobs.run(run.job_id) == Job.FINISHED
        db.session.expire_all()
        run = db.session.get(ImportRun, run_id)
        assert run.status == "undone"
        assert _counts(run_id)[:2] == (0, 0)


def test_resume_on_the_import_page_carries_on_after_the_rows_written(app, tmp_path, admin_client, monkeypatch):
    run_id, job_id = _start_import(app)
    _kill_mid_import(app, tmp_path, run_id)
    monkeypatch.setattr(stranded, "AUTO_RESUMES", 1)
    monkeypatch.setitem(app.config, "WORKER_LOST_AFTER", 2)
    time.sleep(2.5)
    with app.app_context():
        stranded.sweep()
    token = csrf_from(admin_client, f"/contacts/import/{run_id}")
    response = admin_client.post(f"/contacts/import/{run_id}/resume", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert (db.session.get(ImportRun, run_id).status, db.session.get(Job, job_id).status) == ("queued", "queued")
        assert jobs.run(job_id) == Job.FINISHED
        db.session.expire_all()
        assert db.session.get(ImportRun, run_id).created == ROWS
        assert _counts(run_id) == (ROWS, ROWS, ROWS)
