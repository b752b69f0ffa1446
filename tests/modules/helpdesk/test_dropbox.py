"""The BCC dropbox through the real path: real-shaped mail appended to a
Dovecot mailbox of kind "helpdesk.dropbox", read by the core's poll. Each
message is logged once on the timeline of each contact it involves, with
the staff member who sent it; no ticket is made; a repeat logs nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.intake import polling
from app.models import InboundMessage
from modules.contacts.models import Activity
from modules.contacts.people import records
from modules.helpdesk.models import Ticket
from tests.conftest import login, make_user
from tests.imap import IMAPServer
from tests.modules.helpdesk.conftest import eml


@pytest.fixture(scope="module")
def dropbox_server():
    with IMAPServer(users={"log": "log-pass-1"}) as server:
        yield server


@pytest.fixture
def dropbox(app, ctx, dropbox_server):
    inbox = dropbox_server.empty("log")
    db.session.add(inbox.mailbox("helpdesk.dropbox", "log", "Correspondence log"))
    db.session.commit()

    def deliver(*raws: bytes) -> str:
        for raw in raws:
            inbox.append("log", raw)
        return polling.poll_all()

    return deliver


def person(first: str, last: str, email: str) -> int:
    contact = records.create("person", {"first_name": first, "last_name": last},
                             records.Details(emails=[{"email": email, "label": "", "is_primary": True}]))
    db.session.commit()
    return contact.id


def emails_logged(contact_id: int | None = None) -> list[Activity]:
    query = select(Activity).where(Activity.kind == "email")
    if contact_id is not None:
        query = query.where(Activity.contact_id == contact_id)
    return db.session.scalars(query.order_by(Activity.contact_id)).all()


def test_a_bcc_is_logged_once_on_each_contact_it_involves_with_its_sender(app, dropbox):
    dana = make_user(app, email="dana@charity.example", role_key="staff", name="Dana Director")
    ann = person("Ann", "Able", "ann.able@gmail.com")
    bob = person("Bob", "Baker", "bob.baker@contoso.example")  # the Cc said Bob.Baker@...: case ignored
    person("Carol", "Cole", "carol.cole@icloud.com")  # not on this message

    summary = dropbox(eml("dropbox_bcc_outlook.eml"))

    assert summary.startswith("1 mailbox(es): 1 new message(s)")
    logged = emails_logged()
    assert [a.contact_id for a in logged] == [ann, bob]
    for entry in logged:
        assert entry.subject == "Your visit to the reserve on Saturday"
        assert entry.user_id == dana.id
        assert entry.occurred_at.isoformat() == "2026-12-09T10:14:55+00:00"
        assert "We meet at the north gate at 9:30." in entry.body
        assert "Cc: bob.baker@contoso.example, zed@unknown.example" in entry.body
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    inbound = db.session.scalar(select(InboundMessage))
    assert inbound.status == InboundMessage.HANDLED
    assert inbound.outcome == "logged on 2 contact timeline(s) (sent by Dana Director)"

    # The same message again (fetched again, or BCC'd twice): nothing more.
    summary = dropbox(eml("dropbox_bcc_outlook.eml"))
    assert "0 new message(s)" in summary
    assert len(emails_logged()) == 2


def test_a_forwarded_message_is_logged_on_the_original_senders_timeline(app, dropbox):
    eric = make_user(app, email="eric@charity.example", role_key="staff", name="Eric Events")
    carol = person("Carol", "Cole", "carol.cole@icloud.com")
    ann = person("Ann", "Able", "ann.able@gmail.com")

    dropbox(eml("dropbox_forward_gmail.eml"))

    [entry] = emails_logged()
    assert entry.contact_id == carol and entry.contact_id != ann
    assert entry.user_id == eric.id
    assert entry.subject == "Fwd: Volunteering on Saturday"
    assert "I’d like to come on Saturday with my son." in entry.body


def test_the_same_message_under_another_message_id_is_not_logged_twice(app, dropbox):
    ann = person("Ann", "Able", "ann.able@gmail.com")
    first = eml("dropbox_bcc_outlook.eml")
    again = first.replace(b"AM6PR03MB4567D1E2F3A4B5C6D7E8F9A0@", b"SECONDCOPY0000000000000000@")

    dropbox(first, again)

    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 2
    assert [a.contact_id for a in emails_logged()] == [ann]
    assert [m.outcome for m in db.session.scalars(select(InboundMessage).order_by(InboundMessage.id))] == [
        "logged on 1 contact timeline(s)", "already logged on every contact"]


def test_mail_involving_no_contact_logs_nothing_and_says_so(dropbox):
    dropbox(eml("dropbox_bcc_outlook.eml"))

    assert emails_logged() == []
    inbound = db.session.scalar(select(InboundMessage))
    assert inbound.status == InboundMessage.HANDLED
    assert inbound.outcome.startswith("no contact among ")
    assert "ann.able@gmail.com" in inbound.outcome


def test_the_entry_shows_on_the_contact_page_timeline(app, dropbox):
    ann = person("Ann", "Able", "ann.able@gmail.com")
    dropbox(eml("dropbox_bcc_outlook.eml"))
    make_user(app, email="viewer@example.org", role_key="admin", name="Vera Viewer")
    db.session.remove()

    client = app.test_client()
    login(client, "viewer@example.org")
    page = client.get(f"/contacts/{ann}/timeline").get_data(as_text=True)

    assert "Your visit to the reserve on Saturday" in page
    assert "We meet at the north gate at 9:30." in page
