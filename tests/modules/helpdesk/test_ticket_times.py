"""The response and resolution times report read from the stored times and
their indexes (modules/helpdesk/ticket_times.py, reports/times.py), kept
through every way a ticket's times change: opened (and its creation moved
back), answered, solved, reopened, moved to another team and priority (new
SLA targets), changed after a commit without its values read first, merged
into an older ticket (which takes the older creation time), its requester
merged with another contact and erased, the demo seed's bulk insert, and
`flask reports rebuild` after the times were changed behind the ORM's back.
After each, the stored times equal their recomputation, and the report
equals the medians and shares worked out here from the tickets' datetimes,
and the same report counted from the tickets instead of the day rollup."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from modules.contacts.dedupe import merge as contact_merge
from modules.contacts.people import privacy, records
from modules.helpdesk import merge, services, sla, ticket_days, ticket_times
from modules.helpdesk.automation_models import SlaPolicy
from modules.helpdesk.models import OPEN, SOLVED, Team, Ticket
from modules.helpdesk.reports import times
from modules.helpdesk.reports.common import ticket_conditions, today
from modules.helpdesk.ticket_days import TicketDayState

EVERYTHING = {"from": None, "to": None, "team": "", "channel": ""}
CHOICES = [EVERYTHING, {**EVERYTHING, "channel": "web"}, {**EVERYTHING, "from": today() - timedelta(days=1)},
           {**EVERYTHING, "to": today() - timedelta(days=2)}]


def _hours_median(pairs) -> Decimal | None:
    elapsed = [Decimal((later - earlier) // timedelta(microseconds=1)) for later, earlier in pairs if later]
    if not elapsed:
        return None
    return (median(elapsed) / Decimal(3_600_000_000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _share(pairs) -> Decimal | None:
    targets = [(at, due) for at, due in pairs if due is not None]
    if not targets:
        return None
    met = sum(1 for at, due in targets if at is not None and at <= due)
    return (Decimal(met) * 100 / len(targets)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _worked_out(tickets: list[Ticket], label: str) -> tuple:
    return (label, len(tickets), _hours_median((t.first_responded_at, t.created_at) for t in tickets),
            _share((t.first_responded_at, t.first_response_due_at) for t in tickets),
            _hours_median((t.solved_at, t.created_at) for t in tickets),
            _share((t.solved_at, t.resolution_due_at) for t in tickets))


def expected(values: dict) -> tuple[list, tuple | None]:
    """The report's rows and footer, from the tickets' own datetimes."""
    tickets = db.session.scalars(select(Ticket).where(*ticket_conditions(values))).all()
    teams: dict[str, list[Ticket]] = {}
    for ticket in tickets:
        teams.setdefault(ticket.team.name if ticket.team else "No team", []).append(ticket)
    return ([_worked_out(teams[name], name) for name in sorted(teams)],
            _worked_out(tickets, "All teams") if tickets else None)


def _check() -> None:
    db.session.commit()
    assert ticket_times.in_step() and ticket_days.in_step()
    for values in CHOICES:
        [table] = times.sla_times(values)
        assert (table.result.rows, table.footer) == expected(values), values
        db.session.delete(db.session.get(TicketDayState, 1))  # the same report, counted from the tickets
        db.session.flush()
        [from_tickets] = times.sla_times(values)
        db.session.rollback()
        assert (from_tickets.result.rows, from_tickets.footer) == (table.result.rows, table.footer)


def _person(first: str, email: str):
    return records.create("person", {"first_name": first, "last_name": "Able"},
                          records.Details(emails=[{"email": email, "label": "", "is_primary": True}]))


def _opened(team, hours_ago: float, channel: str, requester=None) -> Ticket:
    ticket = services.open_ticket(subject="Where is my receipt?", requester=requester,
                                  email=f"{requester.first_name.lower() if requester else 'x'}@example.org",
                                  team=team, channel=channel)
    ticket.created_at = utcnow() - timedelta(hours=hours_ago, microseconds=123_457)
    sla.start(ticket)
    return ticket


def test_every_write_keeps_the_times_and_the_report_exact(app, ctx, admin):
    agent = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    care, billing = Team(name="Care"), Team(name="Billing")
    db.session.add_all([care, billing])
    db.session.flush()
    db.session.add(SlaPolicy(name="Care", team_id=care.id, first_response_minutes=180, resolution_minutes=600))
    db.session.add(SlaPolicy(name="Urgent", team_id=None, priority="urgent", first_response_minutes=30,
                             resolution_minutes=60))
    ann, ben = _person("Ann", "ann@example.org"), _person("Ben", "ben@example.org")
    db.session.flush()
    a = _opened(care, 5 + 7 / 60, "email", ann)
    b = _opened(care, 30, "web", ben)
    c = _opened(care, 2, "email", ann)
    d = _opened(billing, 50, "phone")
    e = _opened(None, 1, "web", ben)
    _check()

    for ticket in (a, b):  # answered
        services.reply(ticket, agent, "We are on it.")
    services.reply(d, agent, "Done.", status=SOLVED)  # answered and solved in one step
    _check()
    assert db.session.get(Ticket, a.id).response_us is not None

    services.set_status(a, SOLVED, user=agent)
    services.reply(c, agent, "Sent again.", status=SOLVED)
    _check()
    [table] = times.sla_times(EVERYTHING)
    assert table.result.rows[1][0] == "Care" and table.result.rows[1][4] is not None  # the median of A and C

    services.set_status(c, OPEN, user=agent)  # reopened: no resolution time any more
    _check()
    assert db.session.get(Ticket, c.id).resolution_us is None

    services.update(b, {"team_id": billing.id, "priority": "urgent"}, user=agent)  # new team, new SLA targets
    _check()

    # Changed right after a commit, its values not read first (the instance is expired).
    db.session.commit()
    e.status, e.solved_at, e.first_responded_at = SOLVED, utcnow(), utcnow() - timedelta(minutes=20)
    _check()

    merge.merge(a, c, user=agent)  # C takes A's (older) creation time: both its times grow
    _check()
    assert db.session.get(Ticket, c.id).created_at == db.session.get(Ticket, a.id).created_at

    contact_merge.merge(ann, ben, {})  # Ben's tickets move to Ann
    _check()
    privacy.erase(ann)  # what was written goes, the times stay
    _check()

    from modules.helpdesk.seed import seed  # tickets in bulk, past the flush listener

    _person("Cy", "cy@example.org")
    db.session.commit()
    seed(24, random.Random(3), lambda *a: None)
    _check()
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.resolution_us.is_not(None))) > 3

    db.session.execute(update(Ticket).values(response_us=None, resolution_us=7))  # behind the ORM's back
    db.session.commit()
    assert not ticket_times.in_step()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    _check()


def test_a_ticket_added_without_a_creation_time_counts_from_its_default(app, ctx, admin):
    """The column's default (now) is taken before the flush, so the times count from it."""
    desk = Team(name="Desk")
    db.session.add(desk)
    db.session.flush()
    ticket = Ticket(subject="Hello", requester_email="a@example.org", team_id=desk.id, channel="email",
                    status=SOLVED, solved_at=datetime(2999, 1, 1, tzinfo=UTC))
    db.session.add(ticket)
    db.session.commit()
    assert ticket.created_at is not None
    assert ticket.resolution_us == (ticket.solved_at - ticket.created_at) // timedelta(microseconds=1)
    assert ticket.response_us is None and ticket_times.in_step()


def test_an_even_count_takes_the_mean_of_the_middle_two_exactly(app, ctx, admin):
    """1 h 2 min 59.999999 s and 1 h 3 min: the mean is a microsecond short of 1.05 h, so 1.0 (no float noise)."""
    desk = Team(name="Desk")
    db.session.add(desk)
    db.session.flush()
    opened = datetime(2026, 3, 20, 9, tzinfo=UTC)
    for answered in (timedelta(minutes=62, seconds=59, microseconds=999_999), timedelta(minutes=63)):
        db.session.add(Ticket(subject="Hello", requester_email="a@example.org", team_id=desk.id, channel="email",
                              status=OPEN, created_at=opened, first_responded_at=opened + answered))
    db.session.commit()
    ticket_days.rebuild()
    [table] = times.sla_times({**EVERYTHING, "from": date(2026, 3, 1)})
    assert table.result.rows == [("Desk", 2, Decimal("1.0"), None, None, None)]
    db.session.execute(update(Ticket).values(first_responded_at=opened + timedelta(minutes=63)))
    db.session.commit()
    ticket_times.rebuild()
    [table] = times.sla_times({**EVERYTHING, "from": date(2026, 3, 1)})
    assert table.result.rows == [("Desk", 2, Decimal("1.1"), None, None, None)]  # 1.05 h on the dot rounds up


def test_the_medians_are_read_from_the_times_indexes_alone(app, ctx, admin):
    """Each median's query walks its covering index in time order: what SQLite's
    planner says of the report's own queries; PostgreSQL chooses by its statistics,
    so with these few rows it is asked whether one of the time's indexes alone
    can answer them, in order."""
    from sqlalchemy import event

    desk = Team(name="Desk")
    db.session.add(desk)
    db.session.flush()
    opened = datetime(2026, 3, 20, 9, tzinfo=UTC)
    for hours in (1, 2, 3):
        db.session.add(Ticket(subject="Hello", requester_email="a@example.org", team_id=desk.id, channel="email",
                              status=SOLVED, created_at=opened, first_responded_at=opened + timedelta(hours=hours),
                              solved_at=opened + timedelta(hours=hours * 10)))
    db.session.commit()
    ticket_days.rebuild()
    db.session.commit()
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY helpdesk_ticket.re" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        [table] = times.sla_times({**EVERYTHING, "from": date(2026, 3, 1), "channel": "email"})
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert table.result.rows == [("Desk", 3, Decimal("2.0"), None, Decimal("20.0"), None)]
    assert len(seen) == 4  # response and resolution, for the team and for all teams
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        for statement, parameters in seen:
            kind = "response" if "ORDER BY helpdesk_ticket.response_us" in statement else "resolution"
            index = f"ix_helpdesk_ticket_{kind}_time" + ("" if "team_id =" in statement else "_all")
            if sqlite:
                plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                        parameters))
                assert f"COVERING INDEX {index} " in plan, plan
                assert "TEMP B-TREE" not in plan, plan  # no sort: the index gives the order
            else:
                for method in ("seqscan", "bitmapscan", "indexscan", "sort"):
                    conn.exec_driver_sql(f"SET LOCAL enable_{method} = off")
                plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
                # Either of the time's two indexes, as its statistics say (with a few rows the one for
                # all teams, filtered by team, costs about the same), in order: no sort. Index-only or
                # not is the statistics' choice too (the visibility map of a table just written).
                assert f"Scan using ix_helpdesk_ticket_{kind}_time" in plan, plan
                assert "Sort" not in plan, plan


def test_the_migration_fills_the_times_and_the_response_counts_as_the_code_keeps_them(app, ctx, admin):
    """helpdesk_0006's own SQL (one per database) against the listener's arithmetic and the day rollup's counts."""
    import importlib.util
    from pathlib import Path

    import modules.helpdesk

    path = Path(modules.helpdesk.__file__).parent / "migrations" / "helpdesk_0006_ticket_times.py"
    spec = importlib.util.spec_from_file_location("helpdesk_0006_ticket_times", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    desk = Team(name="Desk")
    db.session.add(desk)
    db.session.flush()
    opened = datetime(2026, 3, 20, 23, 59, 59, 999_999, tzinfo=UTC)
    for responded, solved, channel in ((timedelta(microseconds=1), None, "email"),
                                       (timedelta(days=3, hours=2, microseconds=500_001), timedelta(days=40), "web"),
                                       (None, timedelta(seconds=59, microseconds=999_999), "email"),
                                       (None, None, "phone")):
        db.session.add(Ticket(subject="Hello", requester_email="a@example.org", team_id=desk.id, channel=channel,
                              status=SOLVED if solved else OPEN, created_at=opened,
                              first_responded_at=responded and opened + responded,
                              solved_at=solved and opened + solved,  # targets: met on the dot, met, missed
                              first_response_due_at=opened + timedelta(microseconds=1),
                              resolution_due_at=opened + timedelta(days=3)))
    db.session.commit()
    assert ticket_times.in_step() and ticket_days.in_step()
    db.session.execute(update(Ticket).values(response_us=None, resolution_us=None))
    db.session.execute(update(ticket_days.TicketDay).values(responded=0, response_targets=5))
    db.session.commit()
    assert not ticket_times.in_step() and not ticket_days.in_step()
    migration._fill_times(db.session.connection())
    migration._refill_days(db.session.connection())
    db.session.commit()
    assert ticket_times.in_step() and ticket_days.in_step()
