"""The helpdesk with contacts (the Tickets panel, merges move tickets,
erasure redacts what was written and keeps the times) and the small parts
mail runs through: the quote splitter and subject normalisation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from modules.contacts.dedupe import merge
from modules.contacts.models import Contact
from modules.contacts.people import privacy, records
from modules.helpdesk import quoting, subjects
from modules.helpdesk.models import Ticket, TicketAttachment, TicketMessage
from tests.modules.helpdesk.conftest import eml


def person(first: str, email: str) -> Contact:
    contact = records.create("person", {"first_name": first, "last_name": "Able"},
                             records.Details(emails=[{"email": email, "label": "", "is_primary": True}]))
    db.session.commit()
    return contact


def test_merging_contacts_moves_their_tickets(desk):
    kept, duplicate = person("Ann", "ann@work.example"), person("Annie", "ann.able@gmail.com")
    desk.deliver(eml("gmail_new.eml"))
    assert db.session.scalar(select(Ticket.requester_id)) == duplicate.id
    merge.merge(kept, duplicate, {})
    db.session.commit()
    assert db.session.scalars(select(Ticket.requester_id)).all() == [kept.id]


def test_erasure_redacts_messages_and_files_but_keeps_the_times(desk):
    desk.deliver(eml("outlook_new.eml"))
    ticket = db.session.scalar(select(Ticket))
    opened, contact = ticket.created_at, db.session.get(Contact, ticket.requester_id)
    from modules.helpdesk import attachments

    path = attachments.full_path(db.session.scalar(select(TicketAttachment)))
    privacy.erase(contact)
    db.session.commit()
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.subject, ticket.requester_email, ticket.created_at) == ("[erased]", "", opened)
    message = db.session.scalar(select(TicketMessage))
    assert (message.body_text, message.new_text, message.body_html, message.from_address) == (
        "[erased]", "[erased]", "", "")
    assert not path.exists()
    assert db.session.scalar(select(TicketAttachment.filename)) == "[erased]"


def test_the_contact_page_lists_the_requesters_tickets(mailroom, admin_client, app):
    mailroom.deliver(eml("apple_new.eml"))
    with app.app_context():
        contact_id, number = db.session.execute(select(Ticket.requester_id, Ticket.id)).one()
        number += 1000
    html = admin_client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Tickets" in html and f"#{number}" in html and "Volunteering on Saturday" in html


GMAIL = """Thanks, that works.

On Mon, 7 Dec 2026 at 18:05, Support Team <support@charity.example>
wrote:

> Dear Ann,
> Here it is.
"""
OUTLOOK = """Yes please.

From: Support <support@charity.example>
Sent: Monday, December 7, 2026 11:02 AM
To: Bob <bob@contoso.example>
Subject: Re: Address
"""
GERMAN = "Danke!\n\nAm 07.12.2026 um 10:00 schrieb Support <support@charity.example>:\n> Hallo\n"
INLINE = "> Can you come?\nYes, at ten.\n> And bring a friend?\nMaybe.\n"
SIGNATURE = "See you then.\n-- \nCarol Cole\n07700 900123\n"


@pytest.mark.parametrize(("text", "new"), [
    (GMAIL, "Thanks, that works.\n\n"), (OUTLOOK, "Yes please.\n\n"), (GERMAN, "Danke!\n\n"),
    (INLINE, INLINE), (SIGNATURE, "See you then.\n"), ("Just this.\n", "Just this.\n")])
def test_quoted_history_and_signatures_are_folded_never_lost(text, new):
    mine, quoted = quoting.split(text)
    assert mine == new
    assert mine + quoted == text


@pytest.mark.parametrize(("subject", "key"), [
    ("Re: Gift Aid form", "gift aid form"), ("RE: FW: Gift  Aid form", "gift aid form"),
    ("AW: SV: Re[2]: Gift Aid form [#1042]", "gift aid form"), ("Fwd: Re: [#1042] Gift Aid form", "gift aid form"),
    ("Gift Aid form", "gift aid form"), ("Re:", "")])
def test_subjects_fold_to_one_key(subject, key):
    assert subjects.key(subject) == key


def test_ticket_numbers_in_subjects():
    assert subjects.ticket_number("Re: Receipt [#1042]") == 1042
    assert subjects.ticket_id("Re: Receipt [#1042]") == 42
    assert subjects.ticket_id("Order #1042 shipped") is None  # only the bracketed form is ours
    assert subjects.with_number("Receipt", 1042) == "Re: Receipt [#1042]"
    assert subjects.with_number("Re: Receipt [#1042]", 1042) == "Re: Receipt [#1042]"
