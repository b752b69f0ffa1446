"""SLA targets of a ticket, in business time (business_time.py over the
calendar of calendar.py), kept on the ticket's row as each event happens,
never computed per row of a queue:

- opened: the policy that fits (team and priority; the most specific wins)
  sets the first-response and resolution targets;
- a customer message after the first answer starts the next-response target
  (if none is running); an agent's reply meets the running response target;
- waiting on the customer pauses the clock: when the ticket comes back, the
  targets move on by the business minutes it waited;
- solved, closed or merged: nothing runs.

`due_at` is the earliest running target (queues sort by it, indexed);
`sla_check_at` the earliest one not yet flagged as breached, which the
schedule `helpdesk.sla` (`run_checks`) looks at: it flags the breach on the
ticket and emails the team's lead, once per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, or_, select

from app import audit, mail, schedules
from app.extensions import db
from app.links import external_url
from app.models import User
from app.models.base import utcnow
from modules.helpdesk import business_time, calendar
from modules.helpdesk.automation_models import SlaPolicy
from modules.helpdesk.models import ACTIVE, EVENT, WAITING, Ticket

FIRST, NEXT, RESOLUTION = "first response", "next response", "resolution"
BATCH = 500
NAME = "helpdesk.sla"  # the schedule (the manifest)
IDLE = timedelta(hours=1)  # with no target to watch, look again this late


@dataclass(frozen=True)
class Target:
    name: str
    due: datetime | None
    state: str  # running / met / paused / breached / stopped
    words: str  # "due in 3 hours 20 minutes", "overdue by 2 days", "met"


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    specificity = (case((SlaPolicy.team_id.is_not(None), 2), else_=0)
                   + case((SlaPolicy.priority != "", 1), else_=0))
    return db.session.scalar(select(SlaPolicy).where(
        or_(SlaPolicy.team_id.is_(None), SlaPolicy.team_id == ticket.team_id),
        or_(SlaPolicy.priority == "", SlaPolicy.priority == ticket.priority))
        .order_by(specificity.desc(), SlaPolicy.id).limit(1))


def _add(cal, start: datetime, minutes: float) -> datetime | None:
    """business_time.add, or None when the calendar has no working time at
    all (a target that can never fall due is no target; the ticket still opens)."""
    try:
        return business_time.add(cal, start, minutes)
    except ValueError:
        return None


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def start(ticket: Ticket, now: datetime | None = None) -> None:
    """Set the targets from the ticket's policy, counted from its creation
    (plus the time it waited on the customer): on opening, and again when
    its team or priority changes."""
    now = now or utcnow()
    policy = policy_for(ticket)
    cal = calendar.current() if policy else None  # its queries first: the ticket's changes then go in one UPDATE
    ticket.sla_policy_id = policy.id if policy else None
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = ticket.next_response_due_at = None
        refresh(ticket)
        return
    opened = _aware(ticket.created_at) or now
    waited = ticket.paused_minutes or 0
    ticket.first_response_due_at = (_add(cal, opened, policy.first_response_minutes)
                                    if policy.first_response_minutes else None)
    ticket.resolution_due_at = (_add(cal, opened, policy.resolution_minutes + waited)
                                if policy.resolution_minutes else None)
    if not policy.next_response_minutes:
        ticket.next_response_due_at = None
    refresh(ticket)


def refresh(ticket: Ticket) -> None:
    """due_at and sla_check_at from the targets and the status."""
    running = [] if ticket.status not in ACTIVE or ticket.status == WAITING else [
        due for name, due in _targets(ticket) if due is not None]
    ticket.due_at = min(running) if running else None
    flagged = set(filter(None, (ticket.breached or "").split(", ")))
    unflagged = [] if ticket.status not in ACTIVE or ticket.status == WAITING else [
        due for name, due in _targets(ticket) if due is not None and name not in flagged]
    before = _aware(ticket.sla_check_at)
    ticket.sla_check_at = min(unflagged) if unflagged else None
    if ticket.sla_check_at is not None and (before is None or ticket.sla_check_at < before):
        # The schedule sleeps until the earliest target (run_checks): an earlier one wakes it.
        schedules.wake(NAME, ticket.sla_check_at)


def _targets(ticket: Ticket) -> list[tuple[str, datetime | None]]:
    return [(FIRST, None if ticket.first_responded_at else _aware(ticket.first_response_due_at)),
            (NEXT, _aware(ticket.next_response_due_at)), (RESOLUTION, _aware(ticket.resolution_due_at))]


def customer_wrote(ticket: Ticket, now: datetime | None = None) -> None:
    now = now or utcnow()
    policy = db.session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    if (policy and policy.next_response_minutes and ticket.first_responded_at
            and ticket.next_response_due_at is None):
        ticket.next_response_due_at = _add(calendar.current(), now, policy.next_response_minutes)
    refresh(ticket)


def agent_replied(ticket: Ticket, now: datetime | None = None) -> None:
    now = now or utcnow()
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    ticket.next_response_due_at = None
    refresh(ticket)


def status_changed(ticket: Ticket, old: str, new: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if new == WAITING and old != WAITING:
        ticket.paused_at = now
    elif old == WAITING and new != WAITING and ticket.paused_at is not None:
        waited = business_time.minutes_between(calendar.current(), _aware(ticket.paused_at), now)
        ticket.paused_minutes = (ticket.paused_minutes or 0) + round(waited)
        cal = calendar.current()
        if ticket.resolution_due_at is not None:
            ticket.resolution_due_at = _add(cal, _aware(ticket.resolution_due_at), waited)
        if ticket.next_response_due_at is not None:
            ticket.next_response_due_at = _add(cal, _aware(ticket.next_response_due_at), waited)
        ticket.paused_at = None
    refresh(ticket)


def span_words(seconds: float) -> str:
    """"2 days 3 hours", "3 hours 20 minutes", "45 minutes" (wall-clock time)."""
    minutes = max(1, int(abs(seconds) // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [(n, unit) for n, unit in parts if n][:2]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in shown)


def targets(ticket: Ticket, now: datetime | None = None) -> list[Target]:
    """What the ticket page shows: each target of the policy, its due time
    and its state in words."""
    if ticket.sla_policy_id is None:
        return []
    now = now or utcnow()
    flagged = set(filter(None, (ticket.breached or "").split(", ")))
    out = []
    for name, due in ((FIRST, ticket.first_response_due_at), (NEXT, ticket.next_response_due_at),
                      (RESOLUTION, ticket.resolution_due_at)):
        due = _aware(due)
        if due is None:
            continue
        if name == FIRST and ticket.first_responded_at:
            answered = _aware(ticket.first_responded_at)
            late = (answered - due).total_seconds()
            out.append(Target(name, due, "met" if late <= 0 else "breached",
                              "met" if late <= 0 else f"answered {span_words(late)} late"))
        elif ticket.status not in ACTIVE:
            out.append(Target(name, due, "stopped", "stopped: the ticket is " + ticket.status_label.lower()))
        elif ticket.status == WAITING:
            out.append(Target(name, due, "paused", "paused while waiting on the customer"))
        elif due <= now or name in flagged:
            out.append(Target(name, due, "breached", f"overdue by {span_words((now - due).total_seconds())}"))
        else:
            out.append(Target(name, due, "running", f"due in {span_words((due - now).total_seconds())}"))
    return out


def run_checks(now: datetime | None = None) -> schedules.Ran:
    """The schedule helpdesk.sla: flag the targets whose time has passed,
    note it on the ticket and email the team's lead once per ticket. It
    runs again when the next target falls due (an hour at most), not every
    minute, so an idle worker stays light (app/rq_worker.py)."""
    from modules.helpdesk import services

    now = now or utcnow()
    tickets = db.session.scalars(select(Ticket).where(Ticket.sla_check_at.is_not(None), Ticket.sla_check_at <= now)
                                 .order_by(Ticket.sla_check_at).limit(BATCH)).all()
    flagged = emailed = 0
    for ticket in tickets:
        already = set(filter(None, (ticket.breached or "").split(", ")))
        missed = [name for name, due in _targets(ticket) if due is not None and due <= now and name not in already]
        if missed:
            ticket.breached = ", ".join(sorted(already | set(missed)))[:200]
            ticket.breached_at = ticket.breached_at or now
            services.add_message(ticket, EVENT, text="SLA breached: the " + " and ".join(missed) + " target passed.")
            audit.record(audit.UPDATE, ticket, summary=f"Ticket #{ticket.number}: SLA breached ({', '.join(missed)})")
            flagged += 1
            if ticket.escalated_at is None and _escalate(ticket, missed):
                ticket.escalated_at = now
                emailed += 1
        refresh(ticket)
    db.session.commit()
    upcoming = _aware(db.session.scalar(select(func.min(Ticket.sla_check_at))))
    next_at = min(upcoming, now + IDLE) if upcoming is not None else now + IDLE
    return schedules.Ran(f"{flagged} ticket(s) breached their SLA; {emailed} escalation email(s)", max(next_at, now))


def _escalate(ticket: Ticket, missed: list[str]) -> bool:
    lead = db.session.get(User, ticket.team.lead_id) if ticket.team and ticket.team.lead_id else None
    if lead is None or not lead.email:
        return False
    link = external_url("helpdesk.ticket", ticket_id=ticket.id)
    text = (f"Ticket #{ticket.number} “{ticket.subject}” in {ticket.team.name} missed its "
            f"{' and '.join(missed)} target.\n\nRequester: {ticket.requester_email}\n{link}\n\n"
            "You get this once per ticket, as the team's lead.")
    mail.send(lead.email, f"SLA breached: #{ticket.number} {ticket.subject}"[:250], text,
              category="helpdesk.escalation")
    return True


def overdue_condition(now: datetime):
    return or_(Ticket.due_at <= now, Ticket.breached != "")

