"""Background jobs: state and progress in the database, RQ as transport."""

from __future__ import annotations

import pytest
from rq import SimpleWorker

from app.extensions import db
from app.jobs import enqueue, job_progress, queue, requeue_waiting, retry, run
from app.models import Job
from app.registry import JobHandler


@pytest.fixture
def handlers(app):
    """Test-only job kinds, registered on the running app for one test."""
    calls = []

    def count(job, upto):
        for n in range(1, upto + 1):
            job_progress(job, n, upto, f"counted {n}")
        calls.append(upto)
        return {"counted": upto}

    def boom(job):
        raise RuntimeError("the printer is on fire")

    jobs = app.extensions["steward"].jobs
    jobs["test.count"], jobs["test.boom"] = JobHandler("test.count", count), JobHandler("test.boom", boom)
    yield calls
    del jobs["test.count"], jobs["test.boom"]


def test_a_job_reaches_rq_on_commit_and_records_progress(app, handlers):
    with app.app_context():
        job = enqueue("test.count", "Count to three", {"upto": 3})
        assert queue().count == 0  # not before the commit
        db.session.commit()
        assert queue().job_ids == [f"steward-job-{job.id}"]
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        assert (job.status, job.done, job.total, job.percent) == ("finished", 3, 3, 100)
        assert job.message == "counted 3" and job.result == {"counted": 3}
        assert job.attempts == 1 and job.finished_at is not None


def test_a_rolled_back_job_never_reaches_rq(app, handlers):
    with app.app_context():
        enqueue("test.count", "Count", {"upto": 1})
        db.session.rollback()
        assert queue().count == 0 and db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_a_failing_job_keeps_its_error_and_can_be_retried(app, handlers):
    with app.app_context():
        job = enqueue("test.boom", "Explode")
        db.session.commit()
        assert run(job.id) == "failed"
        job = db.session.get(Job, job.id)
        assert "RuntimeError: the printer is on fire" in job.error
        app.extensions["steward"].jobs["test.boom"] = JobHandler("test.boom", lambda job: {"ok": True})
        retry(job)
        db.session.commit()
        assert queue().job_ids == [f"steward-job-{job.id}"]
        assert run(job.id) == "finished"
        job = db.session.get(Job, job.id)
        assert job.error is None and job.attempts == 2


def test_unknown_kinds_are_refused_when_queued(app):
    with app.app_context(), pytest.raises(LookupError, match="no enabled module handles"):
        enqueue("nobody.handles.this", "Nothing")


def test_jobs_waiting_when_redis_lost_them_are_requeued(app, handlers):
    with app.app_context():
        job = enqueue("test.count", "Count", {"upto": 2})
        db.session.commit()
        app.extensions["steward"].redis.flushdb()  # Redis restarted empty
        assert requeue_waiting() == 1
        assert requeue_waiting() == 0  # already back in the queue
        assert queue().job_ids == [f"steward-job-{job.id}"]


def test_flask_worker_runs_queued_jobs(app, handlers):
    with app.app_context():
        job = enqueue("test.count", "Count", {"upto": 2})
        db.session.commit()
        job_id = job.id
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.result) == ("finished", {"counted": 2})
