"""`ticket.created` and `ticket.solved` reach a webhook receiver, one event
per ticket opened and per time a ticket is solved; ids and status only
(no subject, no message words), and stripped to ids when the requester is
erased."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import WebhookMessage
from modules.helpdesk import services
from modules.helpdesk.models import SOLVED, Team, Ticket
from tests.core.test_webhooks_delivery import add_endpoint, fast, new_contact, receiver, work  # noqa: F401


def _open(app, contact_id: int, subject: str, channel="email") -> int:
    from modules.contacts.models import Contact

    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "Events team"))
        if team is None:
            team = Team(name="Events team", address="events@charity.example")
            db.session.add(team)
            db.session.flush()
        ticket = services.open_ticket(subject=subject, requester=db.session.get(Contact, contact_id),
                                      email="ada@example.org", team=team, channel=channel)
        services.add_message(ticket, "in", text="My card was charged twice, number 4111.")
        db.session.commit()
        return ticket.id


def test_tickets_opened_and_solved_are_events(app, fast, receiver):  # noqa: F811
    add_endpoint(app, receiver.url, events=("ticket.created", "ticket.solved"))
    cid = new_contact(app)
    first = _open(app, cid, "Charged twice")
    second = _open(app, cid, "Change my address", channel="web")
    with app.app_context():
        ticket = db.session.get(Ticket, first)
        services.set_status(ticket, SOLVED)
        services.set_status(ticket, SOLVED)  # already solved: no second event
        db.session.commit()
        services.set_status(ticket, "open")  # reopened and solved again: a new event
        services.set_status(ticket, SOLVED)
        db.session.commit()
    work(app)
    got = [(r.json["type"], r.json["data"]["id"]) for r in receiver.requests]
    assert got == [("ticket.created", first), ("ticket.created", second), ("ticket.solved", first),
                   ("ticket.solved", first)]
    created = receiver.requests[1].json["data"]
    assert created["contact_id"] == cid and created["number"] == second + 1000
    assert (created["status"], created["channel"], created["priority"]) == ("new", "web", "normal")
    solved = receiver.requests[2].json["data"]
    assert solved["status"] == "solved" and solved["solved_at"].endswith("Z")
    assert all(b"Charged twice" not in r.body and b"4111" not in r.body and b"ada@example.org" not in r.body
               for r in receiver.requests)


def test_nothing_is_stored_without_an_endpoint_and_erasure_strips_ticket_events(app, fast, receiver):  # noqa: F811
    from modules.contacts.people import privacy, records

    cid = new_contact(app)
    _open(app, cid, "Before any endpoint")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(WebhookMessage.id))) == 0
    add_endpoint(app, receiver.url, events=("ticket.created",))
    ticket_id = _open(app, cid, "Refund please")
    with app.app_context():
        privacy.erase(records.load(cid))
        db.session.commit()
        stored = [json.loads(m.payload)["data"] for m in db.session.scalars(select(WebhookMessage))]
    assert len(stored) == 1
    assert stored[0] == {"id": ticket_id, "contact_id": cid, "erased": True}
