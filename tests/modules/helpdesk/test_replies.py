"""Agents answer from the ticket page: the reply goes through the core mail
service to a real SMTP server (aiosmtpd) with the ticket number in the
subject and In-Reply-To/References set, and the customer's answer to it
threads back into the same ticket. Notes are never mailed. A second agent
replying to a ticket that changed meanwhile is warned, and nothing is
sent until they confirm."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import MailMessage
from modules.helpdesk.models import IN, NOTE, OUT, WAITING, Ticket, TicketMessage
from tests.browser.conftest import run_jobs
from tests.conftest import csrf_from
from tests.modules.helpdesk.conftest import eml


def ticket_page(client, ticket_id: int) -> tuple[str, str, str]:
    html = client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', html)
    return html, next(g for g in version.groups() if g), csrf_from(client, f"/helpdesk/tickets/{ticket_id}")


def read(app, query):
    """Run `query(session)` in an app context of its own (the test holds none)."""
    with app.app_context():
        return query(db.session)


def directions(app, ticket_id: int) -> list[str]:
    return read(app, lambda s: s.scalars(select(TicketMessage.direction).where(
        TicketMessage.ticket_id == ticket_id).order_by(TicketMessage.id)).all())


def the_ticket(app):
    return read(app, lambda s: (lambda t: (t.id, t.number, t.status))(s.scalar(select(Ticket))))


def count(app, model) -> int:
    return read(app, lambda s: s.scalar(select(func.count()).select_from(model)))


def test_a_reply_arrives_threaded_and_the_customers_answer_threads_back(mailroom, admin_client, smtp, app):
    mailroom.deliver(eml("gmail_new.eml"))
    ticket_id, number, _ = the_ticket(app)
    html, version, token = ticket_page(admin_client, ticket_id)
    assert "Question about my donation receipt" in html and "I gave £50 in November" in html
    response = admin_client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
        "csrf_token": token, "version": version, "body": "Dear Ann,\n\nSorry: a corrected receipt follows.",
        "kind": "reply", "then": WAITING})
    assert response.status_code == 303
    run_jobs(app)
    [sent] = smtp.messages
    assert sent["To"] == "ann.able@gmail.com"
    assert sent["Subject"] == f"Re: Question about my donation receipt [#{number}]"
    assert sent["In-Reply-To"] == "<CAK7nJx0ann0001+Qd1kY=ZpR8w@mail.gmail.com>"
    assert sent["References"] == "<CAK7nJx0ann0001+Qd1kY=ZpR8w@mail.gmail.com>"
    assert sent["Reply-To"] == "support@charity.example"
    assert "Sorry: a corrected receipt follows." in sent.get_body(("plain",)).get_content()
    assert the_ticket(app)[2] == WAITING  # "reply and set status" in one step
    # Ann's Gmail answers the message she received, by its Message-ID.
    reply_id = sent["Message-ID"].strip("<>")
    mailroom.deliver(eml("gmail_reply.eml", reply_id=reply_id, number=number))
    assert count(app, Ticket) == 1
    assert directions(app, ticket_id) == [IN, OUT, IN]
    assert the_ticket(app)[2] == "open"  # her answer reopens it
    html = admin_client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    assert "Thank you, the new receipt is right." in html
    assert "Show the whole message (quoted text)" in html


def test_an_internal_note_is_shown_but_never_mailed(mailroom, admin_client, smtp, app):
    mailroom.deliver(eml("apple_new.eml"))
    ticket_id, number, _ = the_ticket(app)
    _html, version, token = ticket_page(admin_client, ticket_id)
    admin_client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
        "csrf_token": token, "version": version, "body": "Carol volunteered last year too.", "kind": "note",
        "then": ""})
    run_jobs(app)
    assert smtp.messages == []
    assert count(app, MailMessage) == 0
    assert directions(app, ticket_id) == [IN, NOTE]
    html = admin_client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    assert "Internal note" in html and "not sent to the requester" in html
    assert "Carol volunteered last year too." in html


def test_two_agents_replying_at_once_the_second_is_warned_before_sending(mailroom, admin_client, app):
    mailroom.deliver(eml("outlook_new.eml"))
    ticket_id, number, _ = the_ticket(app)
    _html, seen_by_both, token = ticket_page(admin_client, ticket_id)
    first = admin_client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
        "csrf_token": token, "version": seen_by_both, "body": "First agent: updated.", "kind": "reply", "then": ""})
    assert first.status_code == 303
    second = admin_client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
        "csrf_token": token, "version": seen_by_both, "body": "Second agent: we will update it.",
        "kind": "reply", "then": ""})
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "This ticket changed while you were writing" in page
    assert "First agent: updated." in page  # what the other agent sent
    assert "Second agent: we will update it." in page  # the draft is kept
    assert "Send anyway" in page
    assert count(app, MailMessage) == 1
    confirmed = re.search(r'name="confirmed" type="hidden" value="(\d+)"', page).group(1)
    again = admin_client.post(f"/helpdesk/tickets/{ticket_id}/reply", data={
        "csrf_token": token, "version": seen_by_both, "confirmed": confirmed,
        "body": "Second agent: we will update it.", "kind": "reply", "then": ""})
    assert again.status_code == 303
    assert read(app, lambda s: s.scalars(select(MailMessage.text_body).order_by(MailMessage.id)).all()) == [
        "First agent: updated.", "Second agent: we will update it."]
