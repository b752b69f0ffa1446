"""The help centre's new-request form: article suggestions as the
customer types (HTMX) and the "check for answers" step without JavaScript,
the honeypot and the rate limit, the requester matched or created, the
channel, and deflections counted server-side."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import Contact
from modules.helpdesk import requesters
from modules.helpdesk.kb import feedback
from modules.helpdesk.kb.models import SuggestionOpen
from modules.helpdesk.models import IN, Ticket, TicketMessage
from tests.conftest import post_form
from tests.modules.helpdesk.kb_helpers import article, count

HX = {"HX-Request": "true"}
REQUEST = {
    "name": "Dora Donor",
    "email": "dora@example.net",
    "subject": "Where is my receipt?",
    "description": "I gave last week and the receipt never came.",
}


def _articles(app):
    with app.app_context():
        article("Receipts for gifts", "Every gift gets a receipt within three days.", summary="When receipts come")
        article("Opening hours", "Monday to Friday.")
        db.session.commit()


def form_key(client) -> str:
    return re.search(
        r'name="form_key" type="hidden" value="([^"]+)"', client.get("/help/new").get_data(as_text=True)
    ).group(1)


def test_suggestions_appear_as_the_customer_types(app, client, admin):
    _articles(app)
    page = client.get("/help/new").get_data(as_text=True)
    assert 'hx-trigger="keyup changed delay:400ms"' in page and 'hx-get="/help/new/suggest"' in page
    fragment = client.get("/help/new/suggest?subject=receipt&description=&form_key=abc123", headers=HX)
    html = fragment.get_data(as_text=True)
    assert "Receipts for gifts" in html and "Opening hours" not in html
    assert 'href="/help/articles/receipts-for-gifts?from=abc123"' in html
    assert "No article matches yet." in client.get("/help/new/suggest?subject=zzzz", headers=HX).get_data(as_text=True)


def test_without_javascript_a_check_step_shows_answers_before_the_ticket_is_made(app, client, admin):
    _articles(app)
    key = form_key(client)
    check = post_form(client, "/help/new", {**REQUEST, "form_key": key}, page="/help/new")
    html = check.get_data(as_text=True)
    assert check.status_code == 200 and "These articles may answer your question" in html
    assert f'href="/help/articles/receipts-for-gifts?from={key}"' in html and "Send my request" in html
    with app.app_context():
        assert count(Ticket) == 0
    sent = post_form(client, "/help/new", {**REQUEST, "form_key": key, "checked": "1"}, page="/help/new")
    assert sent.status_code == 303
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert (ticket.subject, ticket.channel, ticket.requester_email) == (
            "Where is my receipt?",
            "web",
            "dora@example.net",
        )
        [message] = db.session.scalars(select(TicketMessage)).all()
        assert (message.direction, message.body_text) == (IN, REQUEST["description"])
        contact = db.session.get(Contact, ticket.requester_id)
        assert (contact.first_name, contact.last_name) == ("Dora", "Donor")
        number = ticket.number
    assert f"#{number}" in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_with_nothing_to_suggest_the_request_is_sent_at_once_to_the_contact_already_known(app, client, admin):
    with app.app_context():
        known = requesters.find_or_create("dora@example.net", "Dora Donor").id
        db.session.commit()
    response = post_form(client, "/help/new", {**REQUEST, "subject": "Change my address", "description": "New one"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Ticket.requester_id)) == known
        assert count(Contact) == 1


def test_the_honeypot_makes_nothing_and_says_nothing(app, client, admin):
    response = post_form(client, "/help/new", {**REQUEST, "website": "http://spam.example", "checked": "1"})
    assert response.status_code == 200 and "your request is sent" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Ticket) == 0 and count(Contact) == 0


def test_requests_are_rate_limited_per_address_with_nothing_typed_lost(app, client, admin):
    for n in range(5):
        assert (
            post_form(client, "/help/new", {**REQUEST, "subject": f"Question {n}", "checked": "1"}).status_code == 303
        )
    over = post_form(client, "/help/new", {**REQUEST, "subject": "Question 6", "checked": "1"})
    html = over.get_data(as_text=True)
    assert over.status_code == 429 and "Too many requests" in html and 'value="Question 6"' in html
    with app.app_context():
        assert count(Ticket) == 5


def test_errors_are_shown_next_to_the_fields(client, admin):
    response = post_form(client, "/help/new", {"email": "not-an-address", "subject": "", "description": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and "Say in a few words what it is about." in html


def test_a_suggestion_opened_and_left_counts_as_a_deflection_after_the_time_limit(app, client, admin):
    _articles(app)
    key = form_key(client)
    assert client.get(f"/help/articles/receipts-for-gifts?from={key}").status_code == 200
    client.get(f"/help/articles/receipts-for-gifts?from={key}")  # opened twice: one record
    with app.app_context():
        assert count(SuggestionOpen) == 1
        assert feedback.deflections(30) == 0  # not yet: they may still send
        db.session.execute(update(SuggestionOpen).values(opened_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()
        assert feedback.deflections(30) == 1


def test_this_answered_my_question_counts_at_once_and_a_sent_ticket_never_does(app, client, admin):
    _articles(app)
    answered_key, sent_key = form_key(client), form_key(client)
    page = client.get(f"/help/articles/receipts-for-gifts?from={answered_key}").get_data(as_text=True)
    assert "Yes, this answered my question" in page
    response = post_form(
        client, "/help/articles/receipts-for-gifts/answered", {"form_key": answered_key}, page="/help/new"
    )
    assert "Glad" in response.get_data(as_text=True)
    client.get(f"/help/articles/opening-hours?from={sent_key}")
    post_form(client, "/help/new", {**REQUEST, "form_key": sent_key, "checked": "1"})
    with app.app_context():
        db.session.execute(update(SuggestionOpen).values(opened_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        assert feedback.deflections(30) == 1
        assert db.session.scalar(select(SuggestionOpen.ticket_id).where(SuggestionOpen.form_key == sent_key))
    stats = client.application.test_client()
    from tests.conftest import login

    login(stats)
    assert "<strong>1</strong> new-request form left" in stats.get("/helpdesk/stats").get_data(as_text=True)


def test_a_signed_in_customer_sends_from_the_portal_with_their_address(app, client, admin, smtp):
    from tests.modules.helpdesk.test_portal import make_ticket, sign_in

    make_ticket(app, email="dora@example.net", name="Dora Donor")
    sign_in(app, client, smtp, "dora@example.net")
    page = client.get("/help/new").get_data(as_text=True)
    assert "Signed in as <strong>dora@example.net</strong>" in page
    response = post_form(
        client,
        "/help/new",
        {
            "email": "someone.else@example.net",
            "name": "X",
            "subject": "Second question",
            "description": "Details",
            "checked": "1",
        },
    )
    assert response.status_code == 303 and "/help/portal/tickets/" in response.headers["Location"]
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "Second question"))
        assert (ticket.channel, ticket.requester_email) == ("portal", "dora@example.net")
