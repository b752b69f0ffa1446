"""Changing a report schedule: its next run follows the new frequency, a
failing one starts afresh, two people editing it never undo each other,
deleting asks first, and nobody changes someone else's schedule without
reports.admin."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from modules.reports import saved
from modules.reports.models import ReportSchedule
from tests.conftest import login, make_user
from tests.forms import changed, form_data
from tests.modules.reports import data
from tests.two_editors import both_open, page, two_editors

SPEC = {"source": "gifts", "g": ["received:fiscal"], "m": ["sum:amount"]}


def _schedule(app, owner_email: str, **kw) -> int:
    with app.app_context():
        data.build()
        owner = db.session.scalar(select(User).where(User.email == owner_email))
        report = saved.create("Board giving summary", "", (), "gifts", SPEC, owner)
        schedule = ReportSchedule(report=report, owner_id=owner.id, frequency="weekly", weekday=0, day=1,
                                  format="pdf", recipients="board@example.org",
                                  next_run_at=datetime(2026, 12, 14, 7, tzinfo=UTC), **kw)
        db.session.add(schedule)
        db.session.commit()
        return schedule.id


def _stored(app, schedule_id) -> ReportSchedule:
    with app.app_context():
        schedule = db.session.get(ReportSchedule, schedule_id)
        db.session.expunge(schedule)
        return schedule


def test_a_change_moves_the_next_run_and_clears_the_failures(app):
    first, _ = two_editors(app)
    schedule_id = _schedule(app, "admin@example.org", status="retrying", failures=4, last_error="SMTP down")
    url = f"/reports/schedules/{schedule_id}/edit"
    form = form_data(page(first, url), url)
    saved_page = first.post(url, data=changed(form, frequency="monthly", day="9", format="xlsx"),
                            follow_redirects=True)
    assert saved_page.status_code == 200 and "Saved: next sent" in saved_page.get_data(as_text=True)
    schedule = _stored(app, schedule_id)
    assert (schedule.frequency, schedule.day, schedule.format) == ("monthly", 9, "xlsx")
    assert schedule.next_run_at.day == 9 and schedule.next_run_at > datetime.now(UTC)
    assert (schedule.failures, schedule.last_error) == (0, None)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "reports_schedule",
                                                           AuditEntry.action == "update"))
        assert set(entry.changes) == {"frequency", "day", "format"}


def test_two_people_editing_keep_each_others_changes_and_a_clash_is_shown(app):
    first, second = two_editors(app)
    schedule_id = _schedule(app, "admin@example.org")
    url = f"/reports/schedules/{schedule_id}/edit"
    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, recipients="treasurer@example.org")).status_code == 303
    merged = second.post(url, data=changed(form_b, format="xlsx"), follow_redirects=True)
    assert "changes to Send to were kept" in merged.get_data(as_text=True)
    schedule = _stored(app, schedule_id)
    assert (schedule.recipients, schedule.format) == ("treasurer@example.org", "xlsx")

    form_a, form_b = both_open(first, second, url)
    assert first.post(url, data=changed(form_a, recipients="chair@example.org")).status_code == 303
    clash = second.post(url, data=changed(form_b, recipients="sam@example.org"))
    assert clash.status_code == 409 and "Ada Admin changed this at" in clash.get_data(as_text=True)
    assert _stored(app, schedule_id).recipients == "chair@example.org"


def test_delete_asks_first_and_others_schedules_are_out_of_reach(app):
    first, _ = two_editors(app)
    schedule_id = _schedule(app, "admin@example.org")
    asked = page(first, f"/reports/schedules/{schedule_id}/delete")
    assert "Stop emailing “Board giving summary” to board@example.org?" in asked
    make_user(app, email="viewer@example.org", name="Val Viewer", role_key="staff")
    stranger = app.test_client()
    login(stranger, "viewer@example.org")
    for url in (f"/reports/schedules/{schedule_id}/edit", f"/reports/schedules/{schedule_id}/delete"):
        assert stranger.get(url).status_code in (403, 404)
    assert stranger.post(f"/reports/schedules/{schedule_id}/delete").status_code in (400, 403, 404)
    form = form_data(asked, f"/reports/schedules/{schedule_id}/delete")
    assert first.post(f"/reports/schedules/{schedule_id}/delete", data=form).status_code == 303
    with app.app_context():
        assert db.session.get(ReportSchedule, schedule_id) is None
