"""Admin → Mail server against a real SMTP server (aiosmtpd on 127.0.0.1):
saved settings are used for delivery, the password is never shown back,
"Send a test email" says what the server answered, and the environment wins."""

from __future__ import annotations

import re

import pytest

from app import mail, settings
from app.extensions import db
from app.models import AuditEntry, MailMessage
from tests.conftest import login, post_form
from tests.core.test_mail import work
from tests.smtp import SMTPServer, free_port

URL = "/admin/mail-server"


def save(client, **values):
    page = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page)[1]
    data = {"mail_server": "127.0.0.1", "mail_port": "25", "mail_security": "none", "mail_username": "",
            "mail_password": "", "mail_sender": "office@example.org", "edit_token": token, **values}
    return post_form(client, URL, data)


def test_a_saved_server_sends_the_waiting_mail_and_hides_its_password(app, client, admin):
    with app.app_context():
        mail.send("donor@example.org", "Waiting", "Sent once a server is set")
        db.session.commit()
    login(client, admin.email)
    page = client.get(URL).get_data(as_text=True)
    assert "Delivery is off." in page and "Save the mail server" in page
    with SMTPServer() as smtp:
        response = save(client, mail_port=str(smtp.port), mail_password="s3cret-word")
        assert response.status_code == 303
        assert "1 waiting message(s) are on their way." in client.get(URL).get_data(as_text=True)
        work(app)
        assert [(m["Subject"], m["From"]) for m in smtp.messages] == [("Waiting", "office@example.org")]
    with app.app_context():
        assert db.session.scalar(db.select(MailMessage.status)) == "sent"
        assert (settings.get("core", "mail_server"), settings.get("core", "mail_port"),
                settings.get("core", "mail_password")) == ("127.0.0.1", smtp.port, "s3cret-word")
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.summary == "Changed the mail server")).one()
        assert entry.changes["mail_password"] == ["(hidden)", "(hidden)"]
        assert "s3cret" not in str(entry.changes)
    page = client.get(URL).get_data(as_text=True)
    assert "s3cret" not in page and "A password is stored." in page and "Delivery is off." not in page

    # An empty password field keeps it; "forget" clears it.
    assert save(client, mail_port=str(smtp.port)).status_code == 303
    with app.app_context():
        assert settings.get("core", "mail_password") == "s3cret-word"
    assert save(client, mail_port=str(smtp.port), forget_password="y").status_code == 303
    with app.app_context():
        assert settings.get("core", "mail_password") == ""


def test_send_a_test_email_shows_what_the_server_answered(app, client, admin):
    login(client, admin.email)
    with SMTPServer() as smtp:
        save(client, mail_port=str(smtp.port))
        response = post_form(client, f"{URL}/test", {"to": "check@example.org"}, page=URL)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "The server accepted the test email." in html
        assert f"Connected to 127.0.0.1 port {smtp.port}." in html
        assert "Recipient check@example.org: 250 OK." in html
        assert "The message: 250 Message accepted." in html
        assert [(m["Subject"], m["To"]) for m in smtp.messages] == [("Test email from Steward", "check@example.org")]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MailMessage.id))) == 0  # straight to the server
        sent = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "send")).one()
        assert (sent.summary, sent.actor) == ("Sent a test email to check@example.org: the server accepted it",
                                              admin.email)


def test_a_refusal_and_an_unreachable_server_are_said_plainly(app, client, admin):
    login(client, admin.email)
    with SMTPServer(reject=True) as smtp:
        save(client, mail_port=str(smtp.port))
        html = post_form(client, f"{URL}/test", {"to": "nobody@example.org"}, page=URL).get_data(as_text=True)
        assert "The test email was not sent." in html
        assert "Recipient nobody@example.org: 550 5.1.1 No such mailbox here." in html
        assert smtp.messages == []
    with app.app_context():
        assert db.session.scalars(db.select(AuditEntry.summary).where(AuditEntry.action == "send")).all() == [
            "Sent a test email to nobody@example.org: it failed"]
    port = free_port()
    save(client, mail_port=str(port))
    html = post_form(client, f"{URL}/test", {"to": "x@example.org"}, page=URL).get_data(as_text=True)
    assert "The test email was not sent." in html
    assert f"Could not connect to 127.0.0.1 port {port}: the connection was refused (nothing listens there)." \
        in html


def test_bad_input_is_refused_next_to_the_fields(app, client, admin):
    login(client, admin.email)
    response = save(client, mail_server="smtp example org", mail_port="70000", mail_sender="not-an-address")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a host name, like smtp.example.org." in html and "A port is 1 to 65535." in html
    assert "Enter an email address, like office@example.org." in html
    with app.app_context():
        assert settings.get("core", "mail_server") in (None, "")


@pytest.fixture
def env_server(app):
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    state = app.extensions["mail"]

    def use(port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        state.server, state.port = "127.0.0.1", port

    yield use
    app.config.update(saved)
    state.server, state.port = saved["MAIL_SERVER"], saved["MAIL_PORT"]


def test_the_environment_wins_and_the_page_says_so(app, client, admin, env_server):
    login(client, admin.email)
    save(client, mail_port="2525")  # saved while the environment set nothing
    with SMTPServer() as smtp:
        env_server(smtp.port)
        page = client.get(URL).get_data(as_text=True)
        assert "The environment sets the mail server." in page
        assert f"<strong>127.0.0.1</strong> port {smtp.port}" in page and "Save the mail server" not in page
        refused = post_form(client, URL, {"mail_server": "elsewhere.example.org"}, page=URL,
                            follow_redirects=True)
        assert "change the MAIL_* variables instead" in refused.get_data(as_text=True)
        html = post_form(client, f"{URL}/test", {"to": "check@example.org"}, page=URL).get_data(as_text=True)
        assert "The server accepted the test email." in html and len(smtp.messages) == 1
    with app.app_context():
        assert settings.get("core", "mail_server") == "127.0.0.1" and settings.get("core", "mail_port") == 2525


def test_a_refused_sign_in_shows_the_servers_words(app, client, admin):
    """A server that asks for a password (aiosmtpd with AUTH): the wrong one
    is refused in its own words; the right one gets the message through."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.smtp import Inbox

    def authenticator(server, session, envelope, mechanism, auth_data):
        good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"office", b"right-password")
        return AuthResult(success=good, handled=False)  # False: the server answers 535 itself

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        login(client, admin.email)
        save(client, mail_port=str(port), mail_username="office", mail_password="wrong-password")
        html = post_form(client, f"{URL}/test", {"to": "x@example.org"}, page=URL).get_data(as_text=True)
        assert "The test email was not sent." in html
        assert "The server refused the sign-in as office: 535 5.7.8 Authentication credentials invalid." in html
        save(client, mail_port=str(port), mail_username="office", mail_password="right-password")
        html = post_form(client, f"{URL}/test", {"to": "x@example.org"}, page=URL).get_data(as_text=True)
        assert "Sign-in as office: 235 2.7.0 Authentication successful." in html
        assert "The server accepted the test email." in html and len(inbox.messages) == 1
    finally:
        controller.stop()
