"""SLAs on a fixed clock: targets counted in business hours over a weekend,
the country's public holidays and a day the admin added; the breach is
flagged on the ticket by the schedule and the team's lead gets one
escalation email at a real SMTP server (aiosmtpd), however often the check
runs. Waiting on the customer pauses the clock; queues sort by due time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app import settings
from app.extensions import db
from app.models import MailMessage, ScheduleState, User
from app.models.base import utcnow
from modules.helpdesk import calendar, services, sla
from modules.helpdesk.automation_models import Holiday, SlaPolicy
from modules.helpdesk.models import EVENT, IN, OPEN, WAITING, Team, Ticket, TicketMessage
from tests.browser.conftest import run_jobs, smtp  # noqa: F401
from tests.conftest import make_user

LONDON = ZoneInfo("Europe/London")


def london(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON).astimezone(UTC)


def setup_desk(app, lead_email="lead@charity.example") -> tuple[int, int]:
    lead = make_user(app, email=lead_email, name="Lee Lead")
    settings.put("core", {"country": "GB", "timezone": "Europe/London"})
    team = Team(name="Supporter care", address="support@charity.example", lead_id=lead.id)
    db.session.add(team)
    db.session.flush()
    db.session.add(SlaPolicy(name="Normal", team_id=team.id, priority="", first_response_minutes=120,
                             next_response_minutes=60, resolution_minutes=16 * 60))
    db.session.add(SlaPolicy(name="Urgent anywhere", team_id=None, priority="urgent", first_response_minutes=30))
    db.session.commit()
    return team.id, lead.id


def open_at(team_id: int, opened: datetime, subject="Receipt missing", priority="normal") -> Ticket:
    team = db.session.get(Team, team_id)
    ticket = services.open_ticket(subject=subject, requester=None, email="ann@example.org", team=team,
                                  priority=priority)
    ticket.created_at = opened
    sla.start(ticket, opened)
    services.add_message(ticket, IN, text="Where is my receipt?", from_address="ann@example.org")
    db.session.commit()
    return ticket


def test_targets_skip_the_weekend_public_holidays_and_added_days_and_breach_escalates_once(app, ctx, smtp):  # noqa: F811
    team_id, _ = setup_desk(app)
    db.session.add(Holiday(day=date(2026, 12, 29), name="Office closed", source="added"))
    db.session.commit()
    # Thursday 24 December 16:00. Christmas (Fri) and Boxing Day observed (Mon 28) are English public
    # holidays, then the weekend, then Tuesday 29th the admin's own day off: one hour on Thursday, the
    # second hour on Wednesday 30th from 09:00.
    ticket = open_at(team_id, london(2026, 12, 24, 16, 0))
    assert ticket.sla_policy_id is not None
    assert ticket.first_response_due_at == london(2026, 12, 30, 10, 0)
    assert ticket.due_at == london(2026, 12, 30, 10, 0)
    # 16 business hours: Thu 1 h, Wed 30 8 h, Thu 31 7 h (1 January is a holiday too, but not needed)
    assert ticket.resolution_due_at == london(2026, 12, 31, 16, 0)
    [first] = [t for t in sla.targets(ticket, london(2026, 12, 30, 8, 0)) if t.name == sla.FIRST]
    assert first.state == "running" and first.words == "due in 2 hours"

    early = sla.run_checks(london(2026, 12, 30, 9, 59))
    # Nothing to flag yet: the schedule sleeps until the first target, not a minute.
    assert early.summary.startswith("0 ticket(s)") and early.next_at == london(2026, 12, 30, 10, 0)
    assert ticket.breached == ""
    ran = sla.run_checks(london(2026, 12, 30, 10, 1))
    assert ran.summary == "1 ticket(s) breached their SLA; 1 escalation email(s)"
    assert ran.next_at == london(2026, 12, 30, 11, 1)  # the resolution target is later: an hour at most
    for later in (london(2026, 12, 30, 11, 0), london(2026, 12, 31, 17, 0), london(2027, 1, 4, 12, 0)):
        sla.run_checks(later)  # the resolution target breaches too: noted, but no second email
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.breached == "first response, resolution"
    assert ticket.escalated_at == london(2026, 12, 30, 10, 1)
    notes = db.session.scalars(select(TicketMessage.body_text).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.direction == EVENT)).all()
    assert notes == ["SLA breached: the first response target passed.",
                     "SLA breached: the resolution target passed."]
    [overdue] = sla.targets(ticket, london(2026, 12, 30, 12, 0))[:1]
    assert (overdue.state, overdue.words) == ("breached", "overdue by 2 hours")

    run_jobs(app)
    escalations = [m for m in smtp.messages if m["Subject"].startswith("SLA breached")]
    assert len(escalations) == 1
    assert escalations[0]["To"] == "lead@charity.example"
    assert f"#{ticket.number}" in escalations[0]["Subject"]
    assert db.session.scalar(select(func.count()).select_from(MailMessage).where(
        MailMessage.category == "helpdesk.escalation")) == 1


def test_the_schedule_is_registered_and_runs_from_the_worker(app, ctx):
    from app import schedules

    assert {"helpdesk.sla", "helpdesk.auto_close"} <= set(schedules.enabled())
    done = schedules.run_due(only="helpdesk.sla")
    assert done["helpdesk.sla"].startswith("0 ticket(s) breached")
    state = db.session.get(ScheduleState, "helpdesk.sla")
    assert state.next_run_at - utcnow() > timedelta(minutes=50)  # no target anywhere: it looks in an hour
    # A new ticket whose first target is sooner than the schedule's next look brings it forward.
    state.next_run_at = datetime(2031, 1, 1, tzinfo=UTC)
    db.session.commit()
    team_id, _ = setup_desk(app)
    ticket = open_at(team_id, london(2030, 1, 2, 10, 0))  # a Wednesday: due the same day
    db.session.refresh(state)
    assert london(2030, 1, 2, 10, 0) < ticket.sla_check_at < london(2030, 1, 3, 0, 0)
    assert state.next_run_at <= ticket.sla_check_at  # it never sleeps past a target


def test_waiting_on_the_customer_pauses_the_clock(app, ctx):
    team_id, _ = setup_desk(app)
    ticket = open_at(team_id, london(2026, 6, 8, 9, 0))  # a Monday
    assert ticket.resolution_due_at == london(2026, 6, 9, 17, 0)
    user = db.session.get(User, db.session.scalar(select(User.id)))
    services.set_status(ticket, WAITING, user)
    ticket.paused_at = london(2026, 6, 8, 12, 0)  # as if set at noon
    assert ticket.due_at is None  # nothing runs while waiting
    sla.status_changed(ticket, WAITING, OPEN, london(2026, 6, 10, 12, 0))  # back on Wednesday noon: 16 h waited
    ticket.status = OPEN
    sla.refresh(ticket)
    assert ticket.paused_minutes == 16 * 60
    assert ticket.resolution_due_at == london(2026, 6, 11, 17, 0)
    assert ticket.due_at == ticket.first_response_due_at == london(2026, 6, 8, 11, 0)


def test_first_and_next_response_are_met_by_replies(app, ctx):
    team_id, lead_id = setup_desk(app)
    ticket = open_at(team_id, london(2026, 6, 8, 9, 0))
    lead = db.session.get(User, lead_id)
    services.note(ticket, lead, "Looking into it")  # a note is no response
    assert ticket.first_responded_at is None
    services.reply(ticket, lead, "Here it is.")
    assert ticket.first_responded_at is not None and ticket.next_response_due_at is None
    services.add_message(ticket, IN, text="Thanks, one more thing", from_address="ann@example.org")
    assert ticket.next_response_due_at is not None
    assert ticket.due_at == min(ticket.next_response_due_at, ticket.resolution_due_at)
    services.reply(ticket, lead, "Answered.")
    assert ticket.next_response_due_at is None


def test_the_most_specific_policy_applies_and_changes_follow_priority(app, ctx):
    team_id, _ = setup_desk(app)
    ticket = open_at(team_id, london(2026, 6, 8, 9, 0), priority="urgent")
    assert db.session.get(SlaPolicy, ticket.sla_policy_id).name == "Normal"  # the team's policy beats "any team"
    other = Team(name="Parents")
    db.session.add(other)
    db.session.flush()
    ticket.team_id, ticket.team = other.id, other
    sla.start(ticket)
    assert db.session.get(SlaPolicy, ticket.sla_policy_id).name == "Urgent anywhere"
    assert ticket.first_response_due_at == london(2026, 6, 8, 9, 30)


def test_queue_sorts_by_due_time_and_lists_overdue(app, admin_client):
    with app.app_context():
        team_id, _ = setup_desk(app, lead_email="lead2@charity.example")
        late = open_at(team_id, london(2026, 1, 5, 9, 0), subject="Opened long ago")
        soon = open_at(team_id, datetime.now(UTC), subject="Opened just now")
        none = services.open_ticket(subject="No team no policy", requester=None, email="b@example.org", team=None)
        db.session.commit()
        late_n, soon_n, none_n = late.number, soon.number, none.number
    page = admin_client.get("/helpdesk/?view=all&sort=due").get_data(as_text=True)
    assert page.index(f"#{late_n}") < page.index(f"#{soon_n}")
    assert f"#{none_n}" not in page and "Only tickets with a running SLA target." in page
    assert "overdue by" in page
    overdue = admin_client.get("/helpdesk/?view=overdue").get_data(as_text=True)
    assert f"#{late_n}" in overdue and f"#{soon_n}" not in overdue


def test_holidays_import_from_an_icalendar_file(app, ctx):
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
           b"BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Staff training\r\nDTSTART;VALUE=DATE:20260803\r\n"
           b"DTEND;VALUE=DATE:20260805\r\nEND:VEVENT\r\n"
           b"BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Founders day\r\nDTSTART;VALUE=DATE:20260910\r\nEND:VEVENT\r\n"
           b"END:VCALENDAR\r\n")
    assert calendar.import_ical(ics) == (3, 0)
    assert calendar.import_ical(ics) == (0, 3)
    db.session.commit()
    days = db.session.scalars(select(Holiday.day).order_by(Holiday.day)).all()
    assert days == [date(2026, 8, 3), date(2026, 8, 4), date(2026, 9, 10)]
    assert calendar.current().is_holiday(date(2026, 8, 4))
    try:
        calendar.import_ical(b"not a calendar")
    except ValueError as error:
        assert "iCalendar" in str(error)
    else:
        raise AssertionError("a file that is not iCalendar was taken")


def test_a_calendar_without_working_time_leaves_tickets_without_targets(app, ctx):
    from modules.helpdesk.automation_models import BusinessHours

    team_id, _ = setup_desk(app)
    db.session.add(BusinessHours(weekday=6, opens=540, closes=600))  # Sunday mornings only...
    db.session.add_all(Holiday(day=date(2026, 6, 7) + timedelta(weeks=week), name="closed", source="added")
                       for week in range(170))  # ...and every Sunday a holiday for over three years
    db.session.commit()
    ticket = open_at(team_id, london(2026, 6, 8, 9, 0))
    assert ticket.id and ticket.first_response_due_at is None and ticket.due_at is None
