"""`POST /contacts:batch` with more than 1,000 records: a background job
saves them a thousand at a time, polled at /api/v1/jobs/{id}; a thousand
with a wrong record is refused whole and named, the others are saved; a
job whose worker died carries on without saving anyone twice."""

from __future__ import annotations

import pytest

from app import audit, jobs
from app.extensions import db
from app.models import AuditEntry, Job
from modules.contacts.api import batch
from modules.contacts.models import Contact, ContactEmail
from tests.api_client import api_for
from tests.conftest import make_user
from tests.workers import start_worker, stop, wait_for_job


def _people(n: int, bad: int | None = None) -> list[dict]:
    records = [{"first_name": f"Pat{i}", "last_name": "Batch", "emails": [{"email": f"pat{i}@example.org"}]}
               for i in range(n)]
    if bad is not None:
        records[bad]["emails"] = [{"email": "not-an-email"}]
    return records


def _count(app, model=Contact) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_big_batch_runs_in_a_real_worker_and_a_bad_thousand_is_refused_whole(app, admin, tmp_path):
    api = api_for(app, admin.email)
    with app.app_context():  # one person already there, matched by email and updated
        from modules.contacts.people import records

        records.create("person", {"first_name": "Old", "last_name": "Name"},
                       records.Details(emails=[{"email": "pat5@example.org", "label": "", "is_primary": True}]))
        db.session.commit()
    answer = api.post("contacts:batch", json={"records": _people(2_100, bad=1_500)})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    job_id = answer.get_json()["id"]
    assert answer.headers["Location"] == f"/api/v1/jobs/{job_id}"
    assert answer.get_json()["status"] == "queued" and _count(app) == 1

    worker, log = start_worker(app, tmp_path)
    try:
        assert wait_for_job(app, job_id, worker, log).status == Job.FINISHED
    finally:
        stop(worker, log)
    status = api.get(f"jobs/{job_id}").get_json()
    assert (status["status"], status["done"], status["total"], status["percent"]) == ("finished", 2_100, 2_100, 100)
    result = status["result"]
    # Records 0-999 and 2000-2099 saved; the thousand holding record 1500 refused whole.
    assert (result["created"], result["updated"], result["unchanged"]) == (1_099, 1, 0)
    assert list(result["errors"]) == ["records[1500].emails[0].email"]
    assert [r["index"] for r in result["results"]] == [*range(1_000), *range(2_000, 2_100)]
    assert _count(app) == 1_100
    with app.app_context():
        names = set(db.session.scalars(db.select(Contact.first_name)))
        assert {"Pat0", "Pat999", "Pat2000", "Pat2099", "Pat5"} <= names
        assert not names & {"Pat1000", "Pat1500", "Pat1999", "Old"}
        creations = db.session.scalars(db.select(AuditEntry.actor).where(AuditEntry.action == audit.CREATE)
                                       .where(AuditEntry.object_type == "contacts_contact")).all()
    creations.remove("")  # the person made before, by no one
    assert len(creations) == 1_099 and set(creations) == {f"{admin.email} (API token “test token”)"}


def test_only_the_user_who_started_a_job_sees_it(app, admin):
    api = api_for(app, admin.email)
    job_id = api.post("contacts:batch", json={"records": _people(1_001)}).get_json()["id"]
    make_user(app, "other@example.org", "admin", "Other")
    other = api_for(app, "other@example.org")
    assert other.get(f"jobs/{job_id}").status_code == 404
    assert api.get(f"jobs/{job_id}").get_json()["status"] == "queued"
    assert api.get("jobs/999999").status_code == 404


def test_a_retried_big_batch_makes_one_job(app, admin):
    api = api_for(app, admin.email)
    body = {"records": _people(1_200)}
    answers = [api.post("contacts:batch", json=body, headers={"Idempotency-Key": "big-1"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    assert _count(app, Job) == 1


def test_more_than_ten_thousand_is_refused(app, admin):
    api = api_for(app, admin.email)
    refused = api.post("contacts:batch", json={"records": [{"first_name": "x"}] * 10_001})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "records"
    assert _count(app, Job) == 0 and _count(app) == 0


def test_a_job_whose_worker_died_carries_on_from_the_last_thousand_saved(app, admin, monkeypatch):
    api = api_for(app, admin.email)
    job_id = api.post("contacts:batch", json={"records": _people(2_500)}).get_json()["id"]
    real_save, calls = batch.save, []

    def dies_on_the_second_thousand(records, first=0):
        calls.append(first)
        if len(calls) == 2:
            real_save(records[:10], first)  # part of the work, never committed
            raise SystemExit("worker killed")
        return real_save(records, first)

    monkeypatch.setattr(batch, "save", dies_on_the_second_thousand)
    with app.app_context(), pytest.raises(SystemExit):
        jobs.run(job_id)
    assert _count(app) == 1_000
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.done == 1_000 and len(job.result["results"]) == 1_000
        jobs.resume(job)  # what the stranded-job check does for a resumable kind
        db.session.commit()
        assert jobs.run(job_id) == Job.FINISHED
        result = db.session.get(Job, job_id).result
        emails = db.session.scalars(db.select(ContactEmail.email)).all()
    assert calls == [0, 1_000, 1_000, 2_000]
    assert result["created"] == 2_500 and len(result["results"]) == 2_500
    assert sorted(r["index"] for r in result["results"]) == list(range(2_500))
    assert _count(app) == 2_500 and len(emails) == len(set(emails)) == 2_500
