"""The customer portal: sign-in by a one-time link emailed through the
core mail service (received here by aiosmtpd), single use, expiring,
rate-limited, the same answer for known and unknown addresses, a session
that never reaches staff pages; tickets, replies threaded into the ticket,
and the organisation's tickets when an admin allows it."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app import settings
from app.extensions import db
from app.models import MailMessage
from app.models.base import utcnow
from modules.contacts.models import ORGANISATION, Contact, Relationship, RelationshipType
from modules.helpdesk import requesters, services
from modules.helpdesk.models import IN, NOTE, OPEN, SOLVED, Ticket, TicketMessage
from modules.helpdesk.portal.models import PortalSession, SignInLink
from tests.browser.conftest import run_jobs
from tests.conftest import csrf_from, post_form
from tests.modules.helpdesk.kb_helpers import count

ANN = "ann.able@example.net"
LINK = re.compile(r"http://[^\s/]+(/help/signin/[\w.-]+)")


def make_ticket(app, email=ANN, name="Ann Able", subject="My receipt is wrong", status=None) -> int:
    with app.app_context():
        person = requesters.find_or_create(email, name)
        ticket = services.open_ticket(subject=subject, requester=person, email=email, team=None)
        services.add_message(ticket, IN, text=f"Hello, {subject.lower()}.", from_address=email, from_name=name)
        services.note(ticket, _agent(), "Internal: check the ledger first")
        if status:
            services.set_status(ticket, status)
        db.session.commit()
        return ticket.id


def _agent():
    from app.models import User

    return db.session.scalar(select(User).order_by(User.id))


def ask_for_link(client, email: str):
    return post_form(client, "/help/signin", {"email": email})


def emailed_link(app, smtp, email=ANN) -> str:
    run_jobs(app)
    sent = [m for m in smtp.messages if m["To"] == email]
    assert sent, f"no mail to {email}"
    return LINK.search(sent[-1].get_body(("plain",)).get_content()).group(1)


def sign_in(app, client, smtp, email=ANN) -> None:
    ask_for_link(client, email)
    path = emailed_link(app, smtp, email)
    response = post_form(client, path, {}, page=path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/help/portal/")


def test_the_emailed_link_signs_in_once_and_shows_the_contacts_tickets(app, client, admin, smtp):
    ticket_id = make_ticket(app)
    make_ticket(app, email="bob@example.net", name="Bob Other", subject="Not from Ann")
    response = ask_for_link(client, ANN.upper())
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    path = emailed_link(app, smtp)
    [mail] = smtp.messages
    assert mail["Subject"] == "Your sign-in link for the help centre"
    # Opening the link (a mail scanner does) does not spend it.
    assert "Sign in as ann.able@example.net" in client.get(path).get_data(as_text=True)
    assert "Sign in as" in client.get(path).get_data(as_text=True)
    response = post_form(client, path, {}, page=path)
    assert response.status_code == 303
    cookie = client.get_cookie("steward_portal", path="/help")
    assert cookie is not None and cookie.http_only and cookie.path == "/help"
    portal = client.get("/help/portal/").get_data(as_text=True)
    assert "My receipt is wrong" in portal and "Not from Ann" not in portal
    page = client.get(f"/help/portal/tickets/{ticket_id}").get_data(as_text=True)
    assert "Hello, my receipt is wrong." in page and "check the ledger" not in page  # notes stay internal
    # Single use: the same link again, in another browser, is refused.
    other = app.test_client()
    assert other.get(path).status_code == 404
    assert post_form(other, path, {}, page="/help/signin").status_code == 404
    assert other.get("/help/portal/").status_code == 303
    with app.app_context():
        assert count(PortalSession) == 1
        from app.models import AuditEntry

        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login")).all()
        assert entry.object_type == "helpdesk_portal_session" and ANN in entry.summary


def test_an_expired_or_altered_link_is_refused(app, client, admin, smtp):
    make_ticket(app)
    ask_for_link(client, ANN)
    path = emailed_link(app, smtp)
    assert client.get(path[:-3] + ("abc" if not path.endswith("abc") else "xyz")).status_code == 404
    with app.app_context():
        db.session.execute(update(SignInLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(path).status_code == 404
    assert post_form(client, path, {}, page="/help/signin").status_code == 404
    assert client.get_cookie("steward_portal", path="/help") is None


def test_known_and_unknown_addresses_get_the_same_answer(app, client, admin, smtp):
    make_ticket(app)
    known = ask_for_link(client, ANN)
    unknown = ask_for_link(client, "nobody@example.net")
    assert known.status_code == unknown.status_code == 200
    def normalise(response, email):
        """The page without its per-request tokens and with the address typed replaced."""
        return re.sub(r'content="[^"]+"|value="[^"]+"', "", response.get_data(as_text=True)).replace(email, "X")

    assert normalise(known, ANN) == normalise(unknown, "nobody@example.net")
    run_jobs(app)
    assert [m["To"] for m in smtp.messages] == [ANN]


def test_links_are_rate_limited_per_address_silently_and_per_ip_openly(app, client, admin, smtp):
    make_ticket(app)
    for _ in range(5):
        assert ask_for_link(client, ANN).status_code == 200
    with app.app_context():
        assert count(MailMessage) == 3  # three an hour to one address, then nothing more is sent
    for n in range(5):
        assert ask_for_link(client, f"other{n}@example.net").status_code == 200
    over = ask_for_link(client, "one-more@example.net")
    assert over.status_code == 429 and "Too many sign-in requests" in over.get_data(as_text=True)


def test_a_portal_session_never_reaches_staff_pages(app, client, admin, smtp):
    ticket_id = make_ticket(app)
    sign_in(app, client, smtp)
    for path in ("/helpdesk/", f"/helpdesk/tickets/{ticket_id}", "/helpdesk/kb/", "/contacts/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    # Even sent to a staff path by hand, the portal cookie names no staff user.
    response = client.get(
        "/helpdesk/", headers={"Cookie": f"steward_portal={client.get_cookie('steward_portal', path='/help').value}"}
    )
    assert response.status_code == 302
    assert "My receipt is wrong" in client.get("/help/portal/").get_data(as_text=True)
    post_form(client, "/help/signout", {}, page="/help/portal/")
    assert client.get("/help/portal/").status_code == 303


def test_a_customer_reply_threads_into_the_ticket_and_reopens_it(app, client, admin, smtp):
    ticket_id = make_ticket(app, status=SOLVED)
    sign_in(app, client, smtp)
    with app.app_context():
        before = count(TicketMessage, TicketMessage.ticket_id == ticket_id)
    path = f"/help/portal/tickets/{ticket_id}"
    response = post_form(client, path, {"body": "It is still wrong, sorry!"})
    assert response.status_code == 303
    with app.app_context():
        assert count(TicketMessage, TicketMessage.ticket_id == ticket_id) == before + 1
        assert count(Ticket) == 1
        last = db.session.scalar(select(TicketMessage).order_by(TicketMessage.id.desc()))
        assert (last.direction, last.ticket_id, last.from_address, last.body_text) == (
            IN,
            ticket_id,
            ANN,
            "It is still wrong, sorry!",
        )
        assert db.session.get(Ticket, ticket_id).status == OPEN
        assert count(TicketMessage, TicketMessage.direction == NOTE) == 1
    assert "It is still wrong, sorry!" in client.get(path).get_data(as_text=True)
    empty = post_form(client, path, {"body": ""})
    assert empty.status_code == 422 and "Write your reply first." in empty.get_data(as_text=True)


def test_another_persons_ticket_is_not_found_unless_the_organisation_switch_allows(app, client, admin, smtp):
    make_ticket(app)
    colleague_ticket = make_ticket(
        app, email="carl@example.net", name="Carl Colleague", subject="Carl asks about Gift Aid"
    )
    with app.app_context():
        org = Contact(kind=ORGANISATION, name="Acme Trust", display_name="Acme Trust", sort_name="acme trust")
        db.session.add(org)
        db.session.flush()
        employer = db.session.scalar(select(RelationshipType).where(RelationshipType.key == "employer"))
        for person in db.session.scalars(select(Contact).where(Contact.kind != ORGANISATION)):
            db.session.add(Relationship(type_id=employer.id, contact_a_id=org.id, contact_b_id=person.id))
        db.session.commit()
    sign_in(app, client, smtp)
    assert client.get(f"/help/portal/tickets/{colleague_ticket}").status_code == 404
    assert "Carl asks about Gift Aid" not in client.get("/help/portal/").get_data(as_text=True)
    with app.app_context():
        settings.put("helpdesk", {"portal_org_tickets": True})
        db.session.commit()
    assert "Carl asks about Gift Aid" in client.get("/help/portal/").get_data(as_text=True)
    assert client.get(f"/help/portal/tickets/{colleague_ticket}").status_code == 200
    with app.app_context():
        settings.put("helpdesk", {"portal_org_tickets": False})
        db.session.commit()


def test_the_organisation_switch_is_an_admin_setting(app, admin_client):
    page = admin_client.get("/helpdesk/portal-settings").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page).group(1)
    response = post_form(
        admin_client,
        "/helpdesk/portal-settings",
        {"portal_org_tickets": "y", "deflection_minutes": "45", "edit_token": token},
    )
    assert response.status_code == 303
    with app.app_context():
        assert settings.get("helpdesk", "portal_org_tickets") is True
        assert settings.get("helpdesk", "deflection_minutes") == 45
        settings.put("helpdesk", {"portal_org_tickets": False, "deflection_minutes": 30})
        db.session.commit()


def test_csrf_token_of_the_portal_is_on_its_pages(client, admin):
    assert csrf_from(client, "/help/signin")
