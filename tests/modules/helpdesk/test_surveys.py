"""Satisfaction surveys: solving a ticket emails the requester (received
by aiosmtpd) one-click good/bad links; GET only shows the choice, POST
records it, once per ticket and changeable until the ticket is closed; a
tampered link is a 404; ratings show on the ticket and in the statistics."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.helpdesk import services
from modules.helpdesk.models import CLOSED, SOLVED, Team, Ticket
from modules.helpdesk.surveys.models import Satisfaction
from tests.browser.conftest import run_jobs
from tests.conftest import csrf_from
from tests.modules.helpdesk.kb_helpers import count
from tests.modules.helpdesk.test_portal import ANN, make_ticket

SURVEY = re.compile(r"Good, I'm satisfied: http://[^\s/]+(/help/survey/[\w.-]+)\?rating=good")


def solve(app, ticket_id: int, team_name: str = "Supporter care") -> None:
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            team = Team(name=team_name)
            db.session.add(team)
            db.session.flush()
        ticket = db.session.get(Ticket, ticket_id)
        agent = db.session.scalar(select(User).order_by(User.id))
        ticket.team_id, ticket.assignee_id = team.id, agent.id
        services.set_status(ticket, SOLVED, agent)
        db.session.commit()


def survey_path(app, smtp) -> str:
    run_jobs(app)
    [mail] = [m for m in smtp.messages if m["Subject"].startswith("How did we do?")]
    assert mail["To"] == ANN and mail["Auto-Submitted"] == "auto-generated"
    return SURVEY.search(mail.get_body(("plain",)).get_content()).group(1)


def post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, path)})


def test_solving_sends_one_survey_and_opening_the_link_does_not_vote(app, client, admin, smtp):
    ticket_id = make_ticket(app)
    solve(app, ticket_id)
    path = survey_path(app, smtp)
    page = client.get(path + "?rating=good").get_data(as_text=True)
    assert "How did we do with #" in page and re.search(r'value="good" checked|checked[^>]*value="good"', page)
    with app.app_context():
        assert db.session.scalar(select(Satisfaction.rating)) is None  # a GET (a mail scanner) records nothing
        # Solved again after a reopen: no second survey.
        services.set_status(db.session.get(Ticket, ticket_id), "open")
        services.set_status(db.session.get(Ticket, ticket_id), SOLVED)
        db.session.commit()
        assert count(Satisfaction) == 1
    run_jobs(app)
    assert len([m for m in smtp.messages if m["Subject"].startswith("How did we do?")]) == 1


def test_post_records_the_rating_once_per_ticket_and_it_can_change_until_closed(app, client, admin, smtp):
    ticket_id = make_ticket(app)
    solve(app, ticket_id)
    path = survey_path(app, smtp)
    response = post(client, path, {"rating": "good", "comment": "Quick and kind <b>thanks</b>"})
    assert response.status_code == 200 and "Your rating is recorded" in response.get_data(as_text=True)
    response = post(client, path, {"rating": "bad", "comment": "Actually, it broke again"})
    assert "Your rating is changed" in response.get_data(as_text=True)
    with app.app_context():
        [row] = db.session.scalars(select(Satisfaction)).all()
        assert (row.ticket_id, row.rating, row.comment) == (ticket_id, "bad", "Actually, it broke again")
        services.set_status(db.session.get(Ticket, ticket_id), CLOSED)
        db.session.commit()
    closed = post(client, path, {"rating": "good", "comment": ""})
    assert closed.status_code == 409 and "can no longer change" in closed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Satisfaction.rating)) == "bad"


def test_a_tampered_or_forged_link_is_not_found(app, client, admin, smtp):
    ticket_id = make_ticket(app)
    solve(app, ticket_id)
    path = survey_path(app, smtp)
    token = path.rsplit("/", 1)[1]
    payload, signature = token.rsplit(".", 1)
    for forged in (
        payload + "." + signature[::-1],
        payload[:-2] + "xx." + signature,
        "not-a-token",
        token.replace(payload, payload[::-1]),
    ):
        assert client.get(f"/help/survey/{forged}?rating=good").status_code == 404
    assert (
        client.post(
            f"/help/survey/{payload}.{signature[::-1]}", data={"rating": "bad", "csrf_token": csrf_from(client, path)}
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(Satisfaction.rating)) is None


def test_no_choice_is_an_error_next_to_the_question(app, client, admin, smtp):
    ticket_id = make_ticket(app)
    solve(app, ticket_id)
    path = survey_path(app, smtp)
    response = post(client, path, {"comment": "hmm"})
    assert response.status_code == 422 and "Choose good or bad." in response.get_data(as_text=True)


def test_ratings_show_on_the_ticket_and_in_agent_and_team_statistics(app, admin_client, smtp):
    first, second, third = (make_ticket(app, subject=s) for s in ("One", "Two", "Three"))
    for ticket_id in (first, second):
        solve(app, ticket_id)
    solve(app, third, team_name="Schools office")
    run_jobs(app)
    links = [
        SURVEY.search(m.get_body(("plain",)).get_content()).group(1)
        for m in smtp.messages
        if m["Subject"].startswith("How did we do?")
    ]
    assert len(links) == 3
    visitor = app.test_client()
    post(visitor, links[0], {"rating": "good", "comment": "Lovely"})
    post(visitor, links[1], {"rating": "bad"})
    ticket = admin_client.get(f"/helpdesk/tickets/{first}").get_data(as_text=True)
    assert "Satisfaction" in ticket and "<strong>Good</strong>" in ticket and "Lovely" in ticket
    stats = admin_client.get("/helpdesk/stats").get_data(as_text=True)
    team_rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td>', stats
    )
    assert ("Supporter care", "2", "1", "1", "50%") in team_rows
    assert ("Schools office", "1", "0", "0", "—") in team_rows
    assert ("Ada Admin", "3", "1", "1", "50%") in team_rows  # the agent's row


def test_erasing_the_contact_removes_comments_and_sign_ins_but_keeps_the_rating(app, client, admin, smtp):
    from modules.contacts.models import Contact
    from modules.contacts.people import privacy
    from modules.helpdesk.portal.models import PortalSession, SignInLink
    from tests.modules.helpdesk.test_portal import sign_in

    ticket_id = make_ticket(app)
    solve(app, ticket_id)
    path = survey_path(app, smtp)
    post(client, path, {"rating": "good", "comment": "Ann Able, 12 High Street, was pleased"})
    sign_in(app, client, smtp)
    with app.app_context():
        contact = db.session.get(Contact, db.session.get(Ticket, ticket_id).requester_id)
        privacy.erase(contact)
        db.session.commit()
        assert db.session.execute(select(Satisfaction.rating, Satisfaction.comment)).one() == ("good", "[erased]")
        assert count(SignInLink) == 0 and count(PortalSession) == 0
    assert client.get("/help/portal/").status_code == 303  # the session went with them
