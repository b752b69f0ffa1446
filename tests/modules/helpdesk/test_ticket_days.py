"""The ticket reports' rollup (modules/helpdesk/ticket_days.py) kept by the
flush listener through the helpdesk's own services: a ticket opened,
answered, solved, moved to another team, reopened, merged; a ticket changed
after a commit without its values read first. After each the rollup equals
a count of the tickets, holds each live ticket once, and ticket volume
reads the same figures from it as from the tickets. An install with
tickets from before the rollup reads the tickets until it is rebuilt."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from modules.helpdesk import merge, services, ticket_days
from modules.helpdesk.models import MERGED, OPEN, SOLVED, Team, Ticket
from modules.helpdesk.reports import volume
from modules.helpdesk.ticket_days import TicketDay, TicketDayState


def _check(expected_tickets: int) -> None:
    db.session.commit()
    assert ticket_days.built() and ticket_days.in_step()
    live = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status != MERGED))
    assert live == expected_tickets == db.session.scalar(select(func.coalesce(func.sum(TicketDay.tickets), 0)))
    values = {"from": None, "to": None, "by": "month", "team": "", "channel": ""}
    from_rollup = volume.volume(values)
    state = db.session.get(TicketDayState, 1)
    db.session.delete(state)  # the same report, counted from the tickets
    db.session.flush()
    from_tickets = volume.volume(values)
    db.session.rollback()
    assert [t.result.rows for t in from_rollup] == [t.result.rows for t in from_tickets]


def test_the_services_keep_the_rollup_equal_to_the_tickets(app, ctx, admin):
    agent = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    care, billing = Team(name="Care"), Team(name="Billing")
    db.session.add_all([care, billing])
    db.session.flush()
    first = services.open_ticket(subject="Where is my receipt?", requester=None, email="ann@example.org", team=care)
    services.add_message(first, "in", text="Where is my receipt?")
    second = services.open_ticket(subject="Change my gift", requester=None, email="ben@example.org", team=care,
                                  channel="web")
    _check(2)
    assert db.session.scalar(select(TicketDay.tickets).where(TicketDay.channel == "web")) == 1

    services.reply(first, agent, "Here it is.", status=SOLVED)  # answered and solved in one step
    _check(2)
    assert db.session.scalar(select(func.sum(TicketDay.solved))) == 1

    services.update(second, {"team_id": billing.id}, user=agent)  # moves its count to the other team
    _check(2)
    assert db.session.scalar(select(TicketDay.team_id).where(TicketDay.tickets == 1, TicketDay.channel == "web")) \
        == billing.id

    services.set_status(first, OPEN, user=agent)  # reopened: no longer solved
    _check(2)
    assert db.session.scalar(select(func.sum(TicketDay.solved))) == 0

    # Changed right after a commit, its values not read first (the instance is expired).
    db.session.commit()
    second.status, second.solved_at = SOLVED, utcnow()
    _check(2)
    assert db.session.scalar(select(func.sum(TicketDay.solved))) == 1

    merge.merge(second, first, user=agent)  # a merged ticket counts for nothing
    _check(1)


def test_tickets_from_before_the_rollup_are_read_until_it_is_rebuilt(app, ctx, admin):
    db.session.execute(delete(TicketDayState))  # as after upgrading an install that had tickets
    db.session.commit()
    services.open_ticket(subject="Hello", requester=None, email="cat@example.org", team=None)
    db.session.commit()
    assert not ticket_days.built() and db.session.scalar(select(func.count()).select_from(TicketDay)) == 0
    (created, by_team, by_channel) = volume.volume({"from": None, "to": None, "by": "month", "team": "",
                                                   "channel": ""})
    assert created.footer[1] == 1 and by_team.result.rows == [("No team", 1)]

    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert ticket_days.built() and ticket_days.in_step()
    assert db.session.scalar(select(func.sum(TicketDay.tickets))) == 1
