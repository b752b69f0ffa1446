"""Admin: the mail outbox and the background jobs pages."""

from __future__ import annotations

import pytest

from app import mail
from app.extensions import db
from app.jobs import enqueue, queue, run
from app.models import AuditEntry, Job, MailMessage
from app.registry import JobHandler
from tests.conftest import post_form


def _message(app, recipient="reader@example.org", status="queued", **fields):
    with app.app_context():
        message = mail.send(recipient, fields.pop("subject", "Hello"), fields.pop("text", "Plain words"),
                            fields.pop("html", "<p>Hi <script>alert(1)</script></p>"))
        message.status = status
        for name, value in fields.items():
            setattr(message, name, value)
        db.session.commit()
        return message.id


def test_outbox_says_delivery_is_off_and_shows_messages(app, admin_client):
    message_id = _message(app, subject="Your receipt")
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "No mail server is set: messages are kept here and not sent" in html
    assert "Your receipt" in html and "reader@example.org" in html
    detail = admin_client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Plain words" in detail and "Message-ID" in detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert(1)" not in detail


def test_outbox_filters_by_status_and_recipient(app, admin_client):
    _message(app, "ann@example.org", "sent", subject="To Ann")
    _message(app, "bob@example.org", "failed", subject="To Bob", last_error="SMTPDataError: 550 no such user")
    failed = admin_client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "To Bob" in failed and "To Ann" not in failed and "550 no such user" in failed
    ann = admin_client.get("/admin/outbox?recipient=ANN").get_data(as_text=True)
    assert "To Ann" in ann and "To Bob" not in ann
    fragment = admin_client.get("/admin/outbox?status=sent", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "To Ann" in fragment and "<html" not in fragment


def test_retrying_a_failed_message_requeues_it(app, admin_client):
    message_id = _message(app, status="failed", attempts=8, last_error="SMTPServerDisconnected")
    page = admin_client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Retry sending this message" in page and "SMTPServerDisconnected" in page
    response = post_form(admin_client, f"/admin/outbox/{message_id}/retry", {}, page=f"/admin/outbox/{message_id}")
    assert response.status_code == 303
    with app.app_context():
        message = db.session.get(MailMessage, message_id)
        assert (message.status, message.attempts) == ("queued", 0)
        assert db.session.scalar(db.select(Job.id)) is None  # delivery off: nothing to send it
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "core_mail_message"))
    assert "delivery is off" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_retry_queues_delivery_when_mail_is_on(app, admin_client):
    message_id = _message(app, status="failed", attempts=3)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    try:
        response = post_form(admin_client, f"/admin/outbox/{message_id}/retry", {},
                             page=f"/admin/outbox/{message_id}")
        assert response.status_code == 303
        with app.app_context():
            job = db.session.scalar(db.select(Job))
            assert job.kind == "core.deliver_mail" and job.args == {"ids": [message_id]}
            assert f"steward-job-{job.id}" in queue().job_ids
    finally:
        app.config["MAIL_SERVER"] = None


@pytest.fixture
def boom(app):
    def explode(job):
        raise RuntimeError("the printer is on fire")

    jobs = app.extensions["steward"].jobs
    jobs["test.boom"] = JobHandler("test.boom", explode)
    yield
    del jobs["test.boom"]


def _failed_job(app) -> int:
    with app.app_context():
        job = enqueue("test.boom", "Print the labels")
        db.session.commit()
        run(job.id)
        return job.id


def test_jobs_page_shows_failures_and_progress(app, admin_client, boom):
    job_id = _failed_job(app)
    with app.app_context():
        running = enqueue("core.deliver_mail", "Deliver 40 message(s)", {"ids": []})
        running.status, running.done, running.total = "started", 10, 40
        db.session.commit()
    html = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert "Print the labels" in html and "RuntimeError: the printer is on fire" in html
    assert '<progress max="100" value="25"' in html and "10 of 40" in html
    only_failed = admin_client.get("/admin/jobs?status=failed").get_data(as_text=True)
    assert "Print the labels" in only_failed and "Deliver 40" not in only_failed
    detail = admin_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "Traceback (most recent call last)" in detail and "Retry this job" in detail
    assert 'hx-trigger="every 2s"' not in detail  # finished (failed): no polling


def test_a_running_job_page_polls_and_serves_a_fragment(app, admin_client):
    with app.app_context():
        job = enqueue("core.deliver_mail", "Deliver", {"ids": []})
        job.status, job.done, job.total = "started", 1, 4
        db.session.commit()
        job_id = job.id
    page = admin_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert f'hx-get="/admin/jobs/{job_id}" hx-trigger="every 2s"' in page and "<html" in page
    fragment = admin_client.get(f"/admin/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="job-status"') and "1 of 4" in fragment


def test_retrying_a_failed_job_queues_it_again(app, admin_client, boom):
    job_id = _failed_job(app)
    response = post_form(admin_client, f"/admin/jobs/{job_id}/retry", {}, page=f"/admin/jobs/{job_id}")
    assert response.status_code == 303
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.error) == ("queued", None)
        assert f"steward-job-{job_id}" in queue().job_ids
    page = admin_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "is queued again" in page and 'hx-trigger="every 2s"' in page
