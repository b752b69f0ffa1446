"""Scheduled reports: created on the form, found due by the recurring
schedule on a fixed clock, run as PDF and delivered to a real SMTP server;
a failing one is retried with a growing wait and shown to admins."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from rq import SimpleWorker
from sqlalchemy import select

from app import schedules
from app.extensions import db
from app.jobs import queue
from app.models import MailMessage
from modules.reports import saved
from modules.reports.delivery import run as delivery
from modules.reports.models import ReportSchedule
from tests.conftest import make_user
from tests.core.test_mail import smtp_config  # noqa: F401 (fixture)
from tests.forms import form_data
from tests.modules.reports import data
from tests.smtp import SMTPServer

SPEC = {"source": "gifts", "g": ["received:fiscal"], "m": ["sum:amount"], "chart": "bar"}
MONDAY = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


@pytest.fixture
def report_id(app, admin):
    with app.app_context():
        data.build()
        report = saved.create("Board giving summary", "Giving by fiscal year", (), "gifts", SPEC,
                              db.session.merge(admin))
        db.session.commit()
        return report.id


def add_schedule(app, report_id, recipients="board@example.org\ntreasurer@example.org", when=MONDAY, **kw):
    with app.app_context():
        report = db.session.get(saved.SavedReport, report_id)
        schedule = ReportSchedule(report_id=report_id, owner_id=report.owner_id, frequency="weekly", weekday=0,
                                  day=1, format=kw.get("format", "pdf"), recipients=recipients, next_run_at=when)
        db.session.add(schedule)
        db.session.commit()
        return schedule.id


def work(app) -> None:
    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


def test_the_form_creates_a_schedule_due_at_its_first_run(app, admin_client, report_id):
    page = admin_client.get(f"/reports/{report_id}/schedule")
    assert page.status_code == 200
    fields = form_data(page.get_data(as_text=True), f"/reports/{report_id}/schedule")
    bad_values = {"frequency": "quarterly", "format": "xlsx", "recipients": "a@example.org, not-an-address"}
    for key, value in bad_values.items():
        fields[key] = value
    bad = admin_client.post(f"/reports/{report_id}/schedule", data=fields)
    assert bad.status_code == 422 and "Not an email address: not-an-address" in bad.get_data(as_text=True)
    fields["recipients"] = "a@example.org\nb@example.org"
    assert admin_client.post(f"/reports/{report_id}/schedule", data=fields).status_code == 303
    with app.app_context():
        [schedule] = db.session.scalars(select(ReportSchedule)).all()
        assert (schedule.frequency, schedule.format, schedule.addresses) == (
            "quarterly", "xlsx", ["a@example.org", "b@example.org"])
        assert schedule.next_run_at.hour == 7 and schedule.next_run_at.month in (1, 4, 7, 10)
        assert schedule.next_run_at.weekday() < 5
    listing = admin_client.get("/reports/schedules").get_data(as_text=True)
    assert "Board giving summary" in listing and "First working day of each quarter" in listing


def test_a_due_schedule_arrives_by_smtp_with_the_pdf(app, report_id, smtp_config):  # noqa: F811
    schedule_id = add_schedule(app, report_id)
    with app.app_context():
        assert delivery.run(MONDAY - timedelta(minutes=1)).summary == "0 report(s) sent, 0 failed"
    with SMTPServer() as smtp:
        smtp_config(smtp.port)
        with app.app_context():
            ran = delivery.run(MONDAY)
            assert ran.summary == "1 report(s) sent, 0 failed"
            assert ran.next_at == MONDAY + timedelta(days=7)
        work(app)
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["board@example.org", "treasurer@example.org"]
    message = smtp.inbox.messages[0]
    assert message["Subject"] == "Board giving summary (07 December 2026)"
    [pdf] = list(message.iter_attachments())
    assert pdf.get_filename() == "board-giving-summary.pdf" and pdf.get_content_type() == "application/pdf"
    body = pdf.get_content()
    assert body.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Board giving summary" in text and "275.00" in text
    with app.app_context():
        schedule = db.session.get(ReportSchedule, schedule_id)
        assert (schedule.status, schedule.failures, schedule.last_error) == ("ok", 0, None)
        assert schedule.last_sent_at == MONDAY and schedule.next_run_at == MONDAY + timedelta(days=7)
        # Run again at the same moment: nothing is due, nothing sent twice.
        assert delivery.run(MONDAY).summary == "0 report(s) sent, 0 failed"
        assert db.session.scalar(select(db.func.count(MailMessage.id))) == 2


def test_the_recurring_schedule_is_registered_and_runs_the_due_ones(app, report_id):
    add_schedule(app, report_id, when=datetime(2020, 1, 6, 7, tzinfo=UTC))
    with app.app_context():
        assert "reports.deliveries" in schedules.enabled()
        done = schedules.run_due(only="reports.deliveries")
        assert done == {"reports.deliveries": "1 report(s) sent, 0 failed"}
        assert db.session.scalar(select(db.func.count(MailMessage.id))) == 2


def test_a_failing_schedule_is_retried_with_backoff_and_shown(app, admin_client, report_id, monkeypatch):
    schedule_id = add_schedule(app, report_id)
    calls = []

    def broken(schedule):
        calls.append(schedule.id)
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(delivery, "attachment", broken)
    with app.app_context():
        assert delivery.run(MONDAY).summary == "0 report(s) sent, 1 failed"
        schedule = db.session.get(ReportSchedule, schedule_id)
        assert (schedule.status, schedule.failures) == ("retrying", 1)
        assert schedule.last_error == "RuntimeError: WeasyPrint ran out of memory"
        assert schedule.next_run_at == MONDAY + timedelta(minutes=5)
        assert db.session.scalar(select(db.func.count(MailMessage.id))) == 0  # nothing half-sent
        assert delivery.run(MONDAY + timedelta(minutes=4)).summary == "0 report(s) sent, 0 failed"  # waits
        delivery.run(MONDAY + timedelta(minutes=5))
        schedule = db.session.get(ReportSchedule, schedule_id)
        assert schedule.failures == 2 and schedule.next_run_at == MONDAY + timedelta(minutes=15)
    assert calls == [schedule_id, schedule_id]
    page = admin_client.get("/reports/schedules").get_data(as_text=True)
    assert "Failing, retrying (2 tries)" in page and "WeasyPrint ran out of memory" in page
    monkeypatch.undo()
    with app.app_context():
        assert delivery.run(MONDAY + timedelta(minutes=15)).summary == "1 report(s) sent, 0 failed"
        schedule = db.session.get(ReportSchedule, schedule_id)
        assert (schedule.status, schedule.failures, schedule.last_error) == ("ok", 0, None)


def test_a_schedule_whose_owner_lost_the_right_fails_visibly(app, report_id):
    with app.app_context():
        volunteer = make_user(app, email="vol@example.org", role_key="volunteer", name="Vee")
        schedule_id = add_schedule(app, report_id)
        db.session.get(ReportSchedule, schedule_id).owner_id = volunteer.id
        db.session.commit()
        assert delivery.run(MONDAY).summary == "0 report(s) sent, 1 failed"
        schedule = db.session.get(ReportSchedule, schedule_id)
        assert "may no longer schedule reports" in schedule.last_error
        assert db.session.scalar(select(db.func.count(MailMessage.id))) == 0
