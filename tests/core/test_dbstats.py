"""Planner statistics (app/dbstats.py): refreshed on demand and after a long job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app import dbstats
from app.dbstats import refresh_statistics
from app.extensions import db
from app.jobs import enqueue, run, service
from app.registry import JobHandler


def _analyzed(app) -> bool:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return bool(db.session.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))
                        .first()) and bool(db.session.execute(text("SELECT 1 FROM sqlite_stat1")).first())
        return db.session.scalar(text("SELECT count(*) FROM pg_stat_user_tables "
                                      "WHERE relname = 'core_user' AND last_analyze IS NOT NULL")) == 1


def test_refresh_statistics_records_them(app):
    with app.app_context():
        assert refresh_statistics() >= 0
    assert _analyzed(app)


def test_a_short_job_leaves_them_and_a_long_job_refreshes_them(app, monkeypatch):
    calls = []
    monkeypatch.setattr(dbstats, "refresh_statistics", lambda: calls.append(refresh_statistics()))
    jobs = app.extensions["steward"].jobs
    jobs["test.noop"] = JobHandler("test.noop", lambda job: None)
    try:
        with app.app_context():
            job = enqueue("test.noop", "Nothing")
            db.session.commit()
            assert run(job.id) == "finished" and calls == []
            monkeypatch.setattr(service, "REFRESH_STATISTICS_AFTER", timedelta(0))
            job = enqueue("test.noop", "Nothing again")
            db.session.commit()
            assert run(job.id) == "finished"
    finally:
        del jobs["test.noop"]
    assert len(calls) == 1 and _analyzed(app)
