"""Inbound mail (app/intake/) against a real IMAP server (Dovecot on
loopback): each message is taken once by Message-ID whichever route brings
it (poll, pipe, a second poll, a renumbered folder), handed to the module
whose mailbox it is (here Hello's "Greetings by email": each subject becomes
a greeting), marked, moved or deleted on the server; failures are recorded
and can be retried; a wrong password is said on the mailbox, in words."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from imapclient import SEEN

from app.extensions import db
from app.intake import polling
from app.models import AuditEntry, InboundMessage, Mailbox, ScheduleState
from app.models.base import utcnow
from app.registry import MailboxKind
from tests.conftest import csrf_from, post_form
from tests.imap import IMAPServer


def mail(subject: str | None, message_id: str | None = None, size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = "Ann Able <ann@example.org>"
    message["To"] = "greetings@example.org"
    if subject is not None:
        message["Subject"] = subject
    if message_id:
        message["Message-ID"] = f"<{message_id}>"
    message.set_content("Hello!\n" + "x" * size)
    return bytes(message)


@pytest.fixture(scope="module")
def imap():
    with IMAPServer(users={"greetings": "s3cret-pass", "other": "other-pass"}) as server:
        yield server


@pytest.fixture
def inbox(imap):
    """Empty every folder of both users before the test."""
    for user in imap.users:
        with imap.client(user) as client:
            for _flags, _sep, name in client.list_folders():
                client.select_folder(name)
                if client.search("ALL"):
                    client.delete_messages(client.search("ALL"))
                    client.expunge()
                if name != "INBOX":
                    client.unselect_folder()
                    client.delete_folder(name)
    return imap


def mailbox(imap, name="Greetings", user="greetings", **values) -> int:
    box = imap.mailbox("hello.greetings", user, name, **values)
    db.session.add(box)
    db.session.commit()
    return box.id


def greetings() -> list[str]:
    from steward_hello.models import Greeting

    return db.session.scalars(db.select(Greeting.text).order_by(Greeting.id)).all()


def taken() -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(db.select(InboundMessage.subject, InboundMessage.status)
                                                       .order_by(InboundMessage.id))]


def test_a_poll_takes_each_new_message_once_and_marks_it_read(ctx, inbox):
    mailbox(inbox)
    inbox.append("greetings", mail("Good morning", "gm@example.org"))
    inbox.append("greetings", mail("Bonjour", "bj@example.org"))
    inbox.append("greetings", mail("Hola"))  # no Message-ID: known by a hash of its bytes
    assert polling.poll_all().startswith("1 mailbox(es): 3 new message(s)")
    assert greetings() == ["Good morning", "Bonjour", "Hola"]
    assert inbox.flags("greetings") == [(SEEN,)] * 3
    # A later poll: one new message, and a copy of one already taken (a new UID, the same Message-ID).
    inbox.append("greetings", mail("Guten Tag", "gt@example.org"))
    inbox.append("greetings", mail("Good morning", "gm@example.org"))
    assert polling.poll_all().startswith("1 mailbox(es): 1 new message(s)")
    assert polling.poll_all().startswith("1 mailbox(es): 0 new message(s)")
    assert greetings() == ["Good morning", "Bonjour", "Hola", "Guten Tag"]
    assert taken() == [("Good morning", "handled"), ("Bonjour", "handled"), ("Hola", "handled"),
                       ("Guten Tag", "handled")]
    keys = db.session.scalars(db.select(InboundMessage.message_key).order_by(InboundMessage.id)).all()
    assert keys[:2] == ["gm@example.org", "bj@example.org"] and keys[2].startswith("sha256:")
    box = db.session.scalar(db.select(Mailbox))
    assert box.last_uid == 5 and box.last_error is None and box.last_polled_at is not None


def test_read_messages_are_moved_or_deleted_when_the_mailbox_says_so(ctx, inbox):
    with inbox.client("greetings") as client:
        client.create_folder("Done")
    mailbox(inbox, after="move", move_to="Done")
    mailbox(inbox, name="Other", user="other", after="delete")
    inbox.append("greetings", mail("Moved one", "m1@example.org"))
    inbox.append("greetings", mail("Moved two", "m2@example.org"))
    inbox.append("other", mail("Deleted one", "d1@example.org"))
    polling.poll_all()
    assert sorted(greetings()) == ["Deleted one", "Moved one", "Moved two"]
    assert inbox.flags("greetings") == [] and len(inbox.flags("greetings", "Done")) == 2
    assert inbox.flags("other") == []


def test_a_renumbered_folder_is_read_again_without_taking_anything_twice(ctx, inbox):
    inbox.append("greetings", mail("First", "first@example.org"), folder="Greetings")
    mailbox(inbox, folder="Greetings")
    polling.poll_all()
    with inbox.client("greetings") as client:  # the folder is deleted and made again: a new UIDVALIDITY
        client.delete_folder("Greetings")
    inbox.append("greetings", mail("First", "first@example.org"), folder="Greetings")
    inbox.append("greetings", mail("Second", "second@example.org"), folder="Greetings")
    polling.poll_all()
    assert greetings() == ["First", "Second"]
    assert db.session.scalar(db.select(db.func.count(InboundMessage.id))) == 2


def test_a_failing_handler_keeps_the_message_and_an_admin_can_read_it_again(app, admin_client, inbox):
    state = app.extensions["steward"]
    original = state.mailbox_kinds["hello.greetings"]
    broken = {"on": True}

    def flaky(message, inbound):
        if broken["on"]:
            raise RuntimeError("the greetings table is being rebuilt")
        return original.handle(message, inbound)

    state.mailbox_kinds["hello.greetings"] = MailboxKind("hello.greetings", original.title, flaky)
    try:
        with app.app_context():
            mailbox(inbox)
            inbox.append("greetings", mail("Good evening", "ge@example.org"))
            inbox.append("greetings", mail(None, "nosubject@example.org"))
            assert "2 new message(s), 2 failed" in polling.poll_all()
            assert greetings() == []
            failed = db.session.scalars(db.select(InboundMessage).order_by(InboundMessage.id)).all()
            assert [m.status for m in failed] == ["failed", "failed"]
            assert "RuntimeError: the greetings table is being rebuilt" in failed[0].error
            first, second = failed[0].id, failed[1].id
        page = admin_client.get("/admin/mailboxes?status=failed").get_data(as_text=True)
        assert "Good evening" in page and "RuntimeError: the greetings table is being rebuilt" in page
        broken["on"] = False
        token = csrf_from(admin_client, f"/admin/mailboxes/messages/{first}")
        assert admin_client.post(f"/admin/mailboxes/messages/{first}/retry",
                                 data={"csrf_token": token}).status_code == 303
        assert "The message was handled this time." in admin_client.get(
            f"/admin/mailboxes/messages/{first}").get_data(as_text=True)
        admin_client.post(f"/admin/mailboxes/messages/{second}/retry", data={"csrf_token": token})
        with app.app_context():
            assert greetings() == ["Good evening"]
            assert taken() == [("Good evening", "handled"), ("", "failed")]
            again = db.session.get(InboundMessage, second)
            assert again.attempts == 2 and "a greeting needs a subject" in again.error
            # Polling again takes neither of them a second time.
            polling.poll_all()
            assert greetings() == ["Good evening"]
            assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
                AuditEntry.object_type == "core_inbound_message")) == 2
    finally:
        state.mailbox_kinds["hello.greetings"] = original


def test_a_wrong_password_is_said_on_its_mailbox_and_the_others_are_still_read(ctx, inbox):
    mailbox(inbox)
    bad = mailbox(inbox, name="Other", user="other")
    box = db.session.get(Mailbox, bad)
    box.password = "not-the-password"
    db.session.commit()
    inbox.append("greetings", mail("Still read", "sr@example.org"))
    outcome = polling.poll_all()
    assert outcome.startswith("2 mailbox(es): 1 new message(s)")
    assert "Other: 127.0.0.1 refused the user name or password" in outcome
    assert greetings() == ["Still read"]
    assert db.session.get(Mailbox, bad).last_error.startswith("127.0.0.1 refused the user name or password:")


def test_an_unreachable_server_and_a_missing_folder_are_said_plainly(ctx, inbox):
    from tests.smtp import free_port

    port = free_port()
    gone = mailbox(inbox)
    box = db.session.get(Mailbox, gone)
    box.port = port
    db.session.commit()
    polling.poll_all()
    assert db.session.get(Mailbox, gone).last_error == (
        f"Could not connect to 127.0.0.1 port {port}: the connection was refused (nothing listens there).")
    box = db.session.get(Mailbox, gone)
    box.port, box.folder = inbox.port, "Bounces"
    db.session.commit()
    polling.poll_all()
    assert db.session.get(Mailbox, gone).last_error.startswith("The server has no folder “Bounces”")


def test_a_message_over_the_size_limit_is_recorded_not_read(app, ctx, inbox, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_MAX_BYTES", 4096)
    mailbox(inbox)
    inbox.append("greetings", mail("Huge attachment", "big@example.org", size=19_000))
    inbox.append("greetings", mail("Small", "small@example.org"))
    polling.poll_all()
    assert greetings() == ["Small"]
    big = db.session.scalar(db.select(InboundMessage).where(InboundMessage.message_key == "big@example.org"))
    assert big.status == "failed" and big.raw is None and big.subject == "Huge attachment"
    assert big.error == "The message is 20 KB; the limit is 4 KB (INTAKE_MAX_BYTES), so it was not read."


def test_the_pipe_command_takes_a_message_once_whichever_route_brings_it(app, ctx, inbox):
    box = mailbox(inbox, name="Piped")
    runner = app.test_cli_runner()
    raw = mail("Through the pipe", "pipe@example.org")
    result = runner.invoke(args=["mail", "receive", "piped"], input=raw)
    assert result.exit_code == 0, result.output
    assert "Taken as message" in result.output and "added the greeting “Through the pipe”" in result.output
    again = runner.invoke(args=["mail", "receive", str(box)], input=raw)
    assert again.exit_code == 0 and "Already had this message; nothing done." in again.output
    inbox.append("greetings", raw)  # and the same message reaches the IMAP folder too
    polling.poll_all()
    assert greetings() == ["Through the pipe"]
    missing = runner.invoke(args=["mail", "receive", "nowhere"], input=raw)
    assert missing.exit_code == 67 and "there is no mailbox 'nowhere'" in missing.output


def test_storing_a_message_does_not_wait_for_the_disk_handling_it_does(ctx, inbox):
    """The first commit (the message row, the mailbox's progress) returns
    before it is on disk; the handler's commit waits, and makes both durable.
    On SQLite every commit is so already (WAL, synchronous=NORMAL)."""
    from sqlalchemy import event

    from app.intake import take

    box = db.session.get(Mailbox, mailbox(inbox, name="Durable"))
    session = db.session()
    postgresql = session.get_bind().dialect.name == "postgresql"
    seen = []

    def durability(committing) -> None:
        setting = "SHOW synchronous_commit" if postgresql else "PRAGMA synchronous"
        seen.append(committing.connection().exec_driver_sql(setting).scalar())

    event.listen(session, "before_commit", durability)
    try:
        inbound = take(box, mail("Kept", "kept@example.org"), last_uid=7)
    finally:
        event.remove(session, "before_commit", durability)
    assert inbound.status == InboundMessage.HANDLED and greetings() == ["Kept"]
    assert seen == (["off", "on"] if postgresql else [1, 1])  # 1: NORMAL
    assert db.session.get(Mailbox, box.id).last_uid == 7


def test_with_no_mailbox_the_schedule_sleeps_and_saving_one_wakes_it(app, admin_client, inbox):
    from app import schedules

    with app.app_context():
        schedules.run_due(only=polling.NAME)
        assert db.session.get(ScheduleState, polling.NAME).last_outcome == "no mailbox to read"
        assert db.session.get(ScheduleState, polling.NAME).next_run_at.date() > utcnow().date()
    page = admin_client.get("/admin/mailboxes/new").get_data(as_text=True)
    assert "Greetings by email" in page
    data = {"name": "Greetings", "kind": "hello.greetings", "active": "y", "host": "127.0.0.1",
            "port": str(inbox.port), "security": "none", "username": "greetings", "password": "",
            "folder": "INBOX", "after": "seen", "move_to": ""}
    refused = post_form(admin_client, "/admin/mailboxes/new", data)
    assert refused.status_code == 422 and "Enter the password to sign in with." in refused.get_data(as_text=True)
    saved = post_form(admin_client, "/admin/mailboxes/new", {**data, "password": "s3cret-pass"})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(ScheduleState, polling.NAME).next_run_at <= utcnow()
        box = db.session.scalar(db.select(Mailbox))
        assert (box.name, box.password, box.port) == ("Greetings", "s3cret-pass", inbox.port)
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "core_mailbox")).one()
        assert entry.summary == "Added the mailbox Greetings" and "s3cret" not in str(entry.changes)
        box_id = box.id
    inbox.append("greetings", mail("Checked", "checked@example.org"))
    token = csrf_from(admin_client, f"/admin/mailboxes/{box_id}")
    report = admin_client.post(f"/admin/mailboxes/{box_id}/check", data={"csrf_token": token}).get_data(as_text=True)
    assert "The mailbox can be read." in report
    assert f"Connected to 127.0.0.1 port {inbox.port}." in report and "Signed in as greetings." in report
    assert "The folder “INBOX” holds 1 message(s); 1 would be read at the next poll." in report
    with app.app_context():
        assert greetings() == []  # checking takes nothing
    page = admin_client.get(f"/admin/mailboxes/{box_id}").get_data(as_text=True)
    assert "s3cret" not in page and "A password is stored." in page


def test_deleting_a_mailbox_asks_first(app, admin_client, inbox):
    with app.app_context():
        box = mailbox(inbox)
    confirm = admin_client.get(f"/admin/mailboxes/{box}/delete").get_data(as_text=True)
    assert "Delete the mailbox Greetings?" in confirm and "the mail on the server is not touched" in confirm.lower()
    with app.app_context():
        assert db.session.get(Mailbox, box) is not None
    token = csrf_from(admin_client, f"/admin/mailboxes/{box}/delete")
    assert admin_client.post(f"/admin/mailboxes/{box}/delete", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(Mailbox, box) is None
