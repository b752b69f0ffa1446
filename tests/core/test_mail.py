"""The outbox and SMTP delivery, against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from rq import SimpleWorker

from app import mail
from app.extensions import db
from app.jobs import queue, run
from app.models import Job, MailMessage
from tests.conftest import PASSWORD, login, logout, post_form
from tests.smtp import SMTPServer, free_port


@pytest.fixture
def smtp_config(app):
    """Point the app at an SMTP port for one test, then turn delivery off again."""
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}

    def use(port: int):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", port

    yield use
    app.config.update(saved)
    app.extensions["mail"].server, app.extensions["mail"].port = saved["MAIL_SERVER"], saved["MAIL_PORT"]


def work(app) -> None:
    """Run every queued job through RQ, as `flask worker` would."""
    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


def test_reset_email_arrives_with_a_working_link(app, client, admin, smtp_config):
    with SMTPServer() as smtp:
        smtp_config(smtp.port)
        response = post_form(client, "/password/forgot", {"email": admin.email})
        assert response.status_code == 303
        work(app)
        assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == admin.email
    assert message["Subject"] == "Reset your Steward password"
    with app.app_context():
        stored = db.session.scalar(db.select(MailMessage))
        assert stored.status == "sent" and stored.attempts == 1
        assert message["Message-ID"] == stored.message_id
    body = message.get_body(("plain",)).get_content()
    link = re.search(re.escape(app.config["BASE_URL"]) + r"(/password/reset/\S+)", body).group(1)
    new_password = "a brand new passphrase 42"
    assert post_form(client, link, {"password": new_password, "confirm": new_password}).status_code == 303
    assert post_form(client, "/login", {"email": admin.email, "password": PASSWORD}).status_code == 422
    login(client, admin.email, new_password)
    # The link works once.
    assert client.get(link).status_code in (302, 410)
    logout(client)
    assert client.get(link).status_code == 410


def test_forgot_password_does_not_reveal_unknown_addresses(app, client, admin):
    known = post_form(client, "/password/forgot", {"email": admin.email}, follow_redirects=True)
    unknown = post_form(client, "/password/forgot", {"email": "ghost@example.org"}, follow_redirects=True)
    assert known.get_data(as_text=True).count("If that address belongs") == 1
    assert unknown.get_data(as_text=True).count("If that address belongs") == 1
    with app.app_context():
        assert [m.recipient for m in db.session.scalars(db.select(MailMessage))] == [admin.email]


def test_without_mail_server_messages_wait_in_the_outbox(app):
    with app.app_context():
        message = mail.send("someone@example.org", "Hello", "Body")
        db.session.commit()
        assert message.status == "queued"
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
        assert message.message_id.endswith("@localhost>")


def test_server_down_keeps_the_message_queued_then_sends_it_when_back(app, smtp_config):
    port = free_port()
    smtp_config(port)  # nothing listens there yet
    with app.app_context():
        mail.send("donor@example.org", "Thank you", "Your gift arrived.")
        db.session.commit()
        first = db.session.scalar(db.select(Job))
        run(first.id)
        message = db.session.scalar(db.select(MailMessage))
        assert message.status == "queued"
        assert message.attempts == 1 and "Connection refused" in message.last_error
        assert message.next_attempt_at is not None
        retry_job = db.session.scalar(db.select(Job).where(Job.id != first.id))
        assert retry_job.status == "queued" and retry_job.args == {"ids": [message.id]}
    with SMTPServer(port=port) as smtp, app.app_context():
        run(retry_job.id)
        assert [m["Subject"] for m in smtp.messages] == ["Thank you"]
        message = db.session.scalar(db.select(MailMessage))
        assert message.status == "sent" and message.attempts == 2


def test_a_5xx_rejection_marks_the_message_failed(app, smtp_config):
    with SMTPServer(reject=True) as smtp, app.app_context():
        smtp_config(smtp.port)
        mail.send("nobody@example.org", "Hello", "Body")
        db.session.commit()
        run(db.session.scalar(db.select(Job)).id)
        message = db.session.scalar(db.select(MailMessage))
        assert message.status == "failed"
        assert "550" in message.last_error
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1  # no retry queued


def test_a_batch_goes_out_over_one_connection(app, smtp_config):
    with SMTPServer() as smtp:
        smtp_config(smtp.port)
        with app.app_context():
            mail.send_many([(f"p{n}@example.org", f"News {n}", "Text", "<p>Text</p>") for n in range(5)])
            db.session.commit()
            assert db.session.scalar(db.select(db.func.count(Job.id))) == 1
        work(app)
        assert sorted(m["Subject"] for m in smtp.messages) == [f"News {n}" for n in range(5)]
        assert all(m.get_body(("html",)) is not None for m in smtp.messages)
    with app.app_context():
        job = db.session.scalar(db.select(Job))
        assert job.status == "finished" and job.done == job.total == 5
        assert job.result == {"sent": 5, "retrying": 0, "failed": 0}


def test_attachments_are_delivered(app, smtp_config):
    with SMTPServer() as smtp:
        smtp_config(smtp.port)
        with app.app_context():
            mail.send("a@example.org", "Receipt", "Attached.",
                      attachments=[("receipt.pdf", "application/pdf", b"%PDF-1.4 test")])
            db.session.commit()
        work(app)
    parts = [p for p in smtp.messages[0].iter_attachments()]
    assert [p.get_filename() for p in parts] == ["receipt.pdf"]
    assert parts[0].get_content() == b"%PDF-1.4 test"


def test_mail_stored_while_delivery_was_off_goes_out_when_a_worker_starts_with_smtp(app, smtp_config):
    with app.app_context():
        mail.send("held@example.org", "Waiting", "Stored while delivery was off.")
        db.session.commit()
    with SMTPServer() as smtp:
        smtp_config(smtp.port)
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert "Queued 1 message(s) stored while mail delivery was off." in result.output
        assert [m["To"] for m in smtp.messages] == ["held@example.org"]
        again = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert "stored while" not in again.output and len(smtp.messages) == 1
