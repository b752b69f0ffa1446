"""A worker killed in the middle of a receipt batch (SIGKILL, the horse
too): the next worker resumes the batch after its last committed chunk, so
every gift gets exactly one letter and the PDF holds each once."""

from __future__ import annotations

import time
from datetime import date

from pypdf import PdfReader
from sqlalchemy import func, select

from app import jobs
from app.extensions import db
from app.models import Job
from modules.pipeline.models import Acknowledgement
from modules.pipeline.receipts import batch
from modules.pipeline.receipts.scope import Scope
from tests.modules.pipeline.test_receipts_letters import give, make_donor
from tests.workers import kill, start_worker, stop, wait_for_job

GIFTS = 4 * batch.CHUNK  # four chunks, each committed with its acknowledgements
FAST_BEATS = {"WORKER_HEARTBEAT": "1", "WORKER_LOST_AFTER": "3"}


def test_a_killed_receipt_batch_is_resumed_and_thanks_every_gift_once(app, tmp_path):
    with app.app_context():
        donor = make_donor("Ada", "Lovelace", None)  # no email: every letter is printed
        for day in range(GIFTS):
            give(donor, "10.00", date(2025, 1, 1 + day % 28))
        job = jobs.enqueue(batch.KIND, "Thank-you letters", {"scope": Scope(kind="thank_you").to_args()})
        db.session.commit()
        job_id = job.id
    worker, log = start_worker(app, tmp_path, "killed", **FAST_BEATS)
    deadline = time.monotonic() + 180
    while True:
        with app.app_context():
            result = db.session.scalar(select(Job.result).where(Job.id == job_id)) or {}
        if result.get("cursor"):
            break
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the batch never committed a chunk:\n" + log.read_text()[-3000:]
        time.sleep(0.05)
    kill(worker)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == Job.STARTED and 0 < job.result["printed"] < GIFTS
    worker, log = start_worker(app, tmp_path, "next", **FAST_BEATS)
    try:
        job = wait_for_job(app, job_id, worker, log, timeout=240)
    finally:
        stop(worker, log)
    assert job.status == Job.FINISHED, job.error
    assert (job.attempts, job.result["printed"], job.result["pages"]) == (2, GIFTS, GIFTS)
    with app.app_context():
        assert len(PdfReader(batch.job_file(job_id)).pages) == GIFTS
        thanked = db.session.execute(select(func.count(), func.count(func.distinct(Acknowledgement.gift_id)))
                                     .select_from(Acknowledgement)).one()
        assert tuple(thanked) == (GIFTS, GIFTS)
