"""Mail becomes tickets through the real path: the corpus (mail/*.eml) is
appended to a Dovecot mailbox and read by the core's poll
(app.intake.polling.poll_all), which hands each message to the helpdesk.
Counts of tickets, messages and contacts are asserted exactly: a reply
never opens a second ticket, a new conversation never lands in an old one."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import InboundMessage, MailMessage, User
from modules.contacts.models import Contact, ContactEmail
from modules.contacts.people import records
from modules.helpdesk import services
from modules.helpdesk.models import EVENT, IN, OUT, WAITING, Team, Ticket, TicketAttachment, TicketMessage
from tests.conftest import make_user
from tests.modules.helpdesk.conftest import eml


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def tickets() -> list[Ticket]:
    return db.session.scalars(select(Ticket).order_by(Ticket.id)).all()


def messages(ticket: Ticket) -> list[TicketMessage]:
    return db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id)).all()


def answer(ticket: Ticket, text: str = "Dear customer, here is our answer.") -> TicketMessage:
    if db.session.scalar(select(User).limit(1)) is None:
        make_user(current_app._get_current_object())
    agent = db.session.scalar(select(User).limit(1))
    sent = services.reply(db.session.get(Ticket, ticket.id), agent, text)
    db.session.commit()
    return sent


def test_new_mail_becomes_tickets_with_contacts_attachments_and_inert_html(desk):
    summary = desk.deliver(eml("gmail_new.eml"), eml("outlook_new.eml"), eml("apple_new.eml"),
                           eml("windows1252.eml"))
    assert summary.startswith("1 mailbox(es): 4 new message(s)")
    found = tickets()
    assert [t.subject for t in found] == ["Question about my donation receipt", "Change of address",
                                          "Volunteering on Saturday", "Café – réservation pour 20 €"]
    assert [t.requester_email for t in found] == ["ann.able@gmail.com", "bob.baker@contoso.example",
                                                  "carol.cole@icloud.com", "renee@mueller.example"]
    assert all(t.team_id == desk.team_id and t.status == "new" and t.channel == "email" for t in found)
    assert count(TicketMessage) == 4
    names = {c.display_name for c in db.session.scalars(select(Contact))}
    assert {"Ann Able", "Bob Baker", "Carol Cole", "Renée Müller"} <= names
    assert count(Contact) == 4
    ann, bob, carol, renee = (messages(t)[0] for t in found)
    assert "I gave £50 in November" in ann.body_text
    assert "<script" not in ann.body_html and "onerror" not in ann.body_html and "£50" in ann.body_html
    assert bob.new_text.startswith("Hi,") and "We have moved." in bob.new_text
    assert "I’d like to come." in carol.body_text
    assert "le prix est 20 €, c’est bien ça ?" in renee.body_text
    files = db.session.scalars(select(TicketAttachment)).all()
    assert [(f.filename, f.size) for f in files] == [("new address.txt", 44)]
    from modules.helpdesk import attachments

    assert attachments.full_path(files[0]).read_bytes().startswith(b"12 New Street, Leeds LS1 1AA")
    assert ".." not in files[0].path


def test_an_existing_contact_is_the_requester_and_no_duplicate_is_made(desk):
    contact = records.create("person", {"first_name": "Ann", "last_name": "Able"},
                             records.Details(emails=[{"email": "Ann.Able@gmail.com", "label": "",
                                                      "is_primary": True}]))
    db.session.commit()
    desk.deliver(eml("gmail_new.eml"))
    assert [t.requester_id for t in tickets()] == [contact.id]
    assert count(Contact) == 1


def test_replies_from_gmail_outlook_and_apple_mail_thread_into_their_tickets(desk):
    desk.deliver(eml("gmail_new.eml"), eml("outlook_new.eml"), eml("apple_new.eml"))
    ann, bob, carol = tickets()
    to_ann, to_bob, to_carol = answer(ann), answer(bob), answer(carol)
    desk.deliver(eml("gmail_reply.eml", reply_id=to_ann.message_id, number=ann.number),
                 eml("outlook_reply.eml", reply_id=to_bob.message_id, number=bob.number),
                 eml("apple_reply_subject_changed.eml", reply_id=to_carol.message_id))
    assert count(Ticket) == 3
    assert [[m.direction for m in messages(t)] for t in (ann, bob, carol)] == [[IN, OUT, IN]] * 3
    gmail, outlook, apple = (messages(t)[2] for t in (ann, bob, carol))
    # What is new is shown; the quoted history is kept whole behind it.
    assert gmail.new_text == "Thank you, the new receipt is right."
    assert "> Sorry about that: a corrected receipt is attached." in gmail.body_text
    assert outlook.new_text.strip() == "Thanks - yes, please also update my wife's record.\n\nBob"
    assert "Thank you, we have updated your address." in outlook.body_text
    assert apple.new_text.strip() == "Lovely! Can I bring my son? He is 15.\n\nCarol"
    assert apple.subject == "Saturday volunteering - can I bring my son?"
    outcomes = db.session.scalars(select(InboundMessage.outcome).order_by(InboundMessage.id)).all()[3:]
    assert outcomes == [f"reply on ticket #{ann.number} (ticket number in the subject)",
                        f"reply on ticket #{bob.number} (ticket number in the subject)",
                        f"reply on ticket #{carol.number} (In-Reply-To/References)"]


def test_a_client_that_drops_references_or_both_headers_still_threads(desk):
    desk.deliver(eml("eve_new.eml"), eml("no_threading_headers_new.eml"))
    eve, dan = tickets()
    to_eve = answer(eve)
    desk.deliver(eml("dropped_references.eml", reply_id=to_eve.message_id), eml("no_threading_headers_reply.eml"))
    assert count(Ticket) == 2
    assert [m.direction for m in messages(eve)] == [IN, OUT, IN]
    assert [m.direction for m in messages(dan)] == [IN, IN]
    assert messages(dan)[1].new_text.strip() == "Found it, posted today. Thanks!"
    assert db.session.scalars(select(InboundMessage.outcome).order_by(InboundMessage.id)).all()[2:] == [
        f"reply on ticket #{eve.number} (In-Reply-To/References)",
        f"reply on ticket #{dan.number} (same requester and subject)"]


def test_the_subject_fallback_never_joins_an_old_or_someone_elses_conversation(desk):
    desk.deliver(eml("no_threading_headers_new.eml"))
    old = tickets()[0]
    old.last_message_at -= timedelta(days=8)  # past the 7-day window
    db.session.commit()
    desk.deliver(eml("no_threading_headers_reply.eml"))
    other = eml("no_threading_headers_new.eml").replace(b"dan@dale-family.example", b"dora@dale-family.example")
    desk.deliver(other.replace(b"20261207130000.4412", b"20261207130000.9999"))
    assert count(Ticket) == 3
    assert [t.requester_email for t in tickets()] == ["dan@dale-family.example"] * 2 + ["dora@dale-family.example"]
    assert [len(messages(t)) for t in tickets()] == [1, 1, 1]


def test_fifty_people_replying_to_one_newsletter_make_fifty_tickets(desk):
    summary = desk.deliver(*(eml("newsletter_reply.eml", n=n) for n in range(1, 51)))
    assert summary.startswith("1 mailbox(es): 50 new message(s)")
    assert count(Ticket) == 50
    assert count(TicketMessage) == 50
    assert count(Contact) == 50
    assert {t.requester_email for t in tickets()} == {f"reader{n}@example.net" for n in range(1, 51)}
    # A second reply from one of them threads into their own ticket only (same requester and subject).
    again = eml("newsletter_reply.eml", n=7).replace(b"nl-reply-7-7f3a", b"nl-reply-7-second")
    desk.deliver(again)
    assert count(Ticket) == 50
    seventh = db.session.scalar(select(Ticket).where(Ticket.requester_email == "reader7@example.net"))
    assert len(messages(seventh)) == 2


def test_an_out_of_office_lands_on_its_ticket_unanswered_and_alone_makes_no_ticket(desk):
    team = db.session.get(Team, desk.team_id)
    team.acknowledge = True
    db.session.commit()
    desk.deliver(eml("gmail_new.eml"))
    ann = tickets()[0]
    assert count(MailMessage, MailMessage.category == "helpdesk.ack") == 1
    to_ann = answer(ann)
    services.set_status(db.session.get(Ticket, ann.id), WAITING)
    db.session.commit()
    desk.deliver(eml("out_of_office.eml", reply_id=to_ann.message_id, number=ann.number))
    assert count(Ticket) == 1
    last = messages(ann)[-1]
    assert (last.direction, last.auto) == (IN, True)
    assert db.session.get(Ticket, ann.id).status == WAITING  # an auto-reply reopens nothing
    assert count(MailMessage, MailMessage.category == "helpdesk.ack") == 1  # and is never answered
    stray = eml("out_of_office.eml", reply_id="unknown@elsewhere.example", number=1)
    desk.deliver(stray.replace(b"[#1]", b"").replace(b"CAK7nJx0ann0099", b"CAK7nJx0ann0100"))
    assert count(Ticket) == 1
    assert db.session.scalars(select(InboundMessage.outcome).order_by(InboundMessage.id.desc())).first() == (
        "automatic message (Auto-Submitted: auto-replied) answering no ticket: no ticket made")


def test_acknowledgements_say_auto_replied_and_are_rate_limited_per_address(desk):
    team = db.session.get(Team, desk.team_id)
    team.acknowledge = True
    db.session.commit()
    raws = [eml("no_threading_headers_new.eml").replace(b"Gift Aid form", f"Question {i}".encode())
            .replace(b"4412@", f"{i}@".encode()) for i in range(5)]
    desk.deliver(*raws)
    assert count(Ticket) == 5
    acks = db.session.scalars(select(MailMessage).where(MailMessage.category == "helpdesk.ack")).all()
    assert len(acks) == 3  # ack_per_hour
    headers = json.loads(acks[0].headers)
    assert headers["Auto-Submitted"] == "auto-replied"
    assert acks[0].subject == f"Re: Question 0 [#{tickets()[0].number}]"


def test_a_bounce_of_our_reply_is_noted_on_the_ticket_not_made_a_ticket(desk):
    desk.deliver(eml("gmail_new.eml"))
    ann = tickets()[0]
    to_ann = answer(ann)
    desk.deliver(eml("bounce.eml", reply_id=to_ann.message_id, number=ann.number))
    assert count(Ticket) == 1
    event = messages(ann)[-1]
    assert event.direction == EVENT
    assert "could not be delivered" in event.body_text and "ann.able@gmail.com" in event.body_text
    assert count(ContactEmail, ContactEmail.email.like("mailer-daemon%")) == 0


def test_malformed_mime_becomes_a_ticket_and_nothing_is_lost(desk):
    desk.deliver(eml("malformed.eml"))
    inbound = db.session.scalar(select(InboundMessage))
    assert inbound.status == InboundMessage.HANDLED
    [ticket] = tickets()
    assert ticket.subject == "Broken message" and ticket.requester_email == "frank@fox.example"
    assert "SGVsbG8sIG15IGNhcmQgd2FzIGNoYXJnZWQgdHdpY2Uu" in messages(ticket)[0].body_text


def test_a_message_fetched_twice_makes_one_entry(desk, inbox):
    desk.deliver(eml("gmail_new.eml"))
    with inbox.client("support") as client:  # the same message again, e.g. copied back by a filter
        client.append("INBOX", eml("gmail_new.eml"))
    from app.intake import polling

    polling.poll_all()
    assert count(Ticket) == 1 and count(TicketMessage) == 1


def test_an_oversize_attachment_is_listed_but_not_stored(desk, app):
    app.config["HELPDESK_ATTACHMENT_MAX_BYTES"] = 10
    try:
        desk.deliver(eml("outlook_new.eml"))
    finally:
        app.config.pop("HELPDESK_ATTACHMENT_MAX_BYTES")
    [row] = db.session.scalars(select(TicketAttachment)).all()
    assert row.path == "" and "over the" in row.note and row.size == 44
