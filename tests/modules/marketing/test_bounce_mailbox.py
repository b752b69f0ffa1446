"""The bounce mailbox on the core intake, against a real IMAP server
(Dovecot on loopback): real-shaped reports from Gmail, Outlook/Exchange,
Postfix and Yahoo are appended to the mailbox, polled with the intake's
own poll, and each hard bounce, soft bounce and complaint lands exactly
once: suppressions, events on the campaign recipient, notes on contacts,
unsubscriptions. Auto-replies and a malformed report change nothing and
never stop the poll."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import settings
from app.extensions import db
from app.intake import polling
from app.models import AuditEntry, InboundMessage, Mailbox
from modules.marketing.models import Subscription, Topic
from tests.conftest import post_form
from tests.imap import IMAPServer
from tests.modules.marketing.bounce_helpers import bounces, campaign, events, notes, report, suppressed
from tests.modules.marketing.helpers import make_person


@pytest.fixture(scope="module")
def imap():
    with IMAPServer(users={"bounces": "b0unce-pass"}) as server:
        yield server


@pytest.fixture
def inbox(imap):
    return imap.empty("bounces")


def bounce_mailbox(imap) -> int:
    box = imap.mailbox("marketing.bounces", "bounces", "Bounces")
    db.session.add(box)
    db.session.commit()
    return box.id


def outcomes() -> list[tuple[str, str, str]]:
    return [(m.status, m.outcome, m.error or "") for m in
            db.session.scalars(select(InboundMessage).order_by(InboundMessage.id))]


def test_hard_bounces_from_gmail_outlook_and_postfix_suppress_and_link_their_campaign(app, ctx, inbox):
    nobody = make_person(app, "Nora", "Body", "Nobody.Here.4821@gmail.com")
    gone = make_person(app, "Gil", "Gone", "gone.away@outlook.com")
    rows = campaign("Spring appeal", {"nobody.here.4821@gmail.com": nobody, "gone.away@outlook.com": gone,
                                      "old.member@school.example.net": None})
    bounce_mailbox(inbox)
    # Gmail's names its recipient by VERP; Outlook's only by the original Message-ID; Postfix's by VERP.
    inbox.append("bounces", report("gmail_hard", recipient_id=rows["nobody.here.4821@gmail.com"].id))
    inbox.append("bounces", report("outlook_hard", message_id=rows["gone.away@outlook.com"].message_id.strip("<>")))
    inbox.append("bounces", report("postfix_hard", recipient_id=rows["old.member@school.example.net"].id))
    assert polling.poll_all().startswith("1 mailbox(es): 3 new message(s)")

    assert suppressed() == {"gone.away@outlook.com": "hard_bounce", "nobody.here.4821@gmail.com": "hard_bounce",
                            "old.member@school.example.net": "hard_bounce"}
    assert events() == [("Spring appeal", "nobody.here.4821@gmail.com", "bounce_hard"),
                        ("Spring appeal", "gone.away@outlook.com", "bounce_hard"),
                        ("Spring appeal", "old.member@school.example.net", "bounce_hard")]
    assert sorted(db.session.execute(select(AuditEntry.actor, AuditEntry.summary).where(
        AuditEntry.object_type == "marketing_suppression"))) == [
        ("bounce handling", "Suppressed gone.away@outlook.com (hard bounce)"),
        ("bounce handling", "Suppressed nobody.here.4821@gmail.com (hard bounce)"),
        ("bounce handling", "Suppressed old.member@school.example.net (hard bounce)")]
    assert notes(nobody) == ["Email to nobody.here.4821@gmail.com bounced (hard bounce): "
                             "no more campaigns will go there"]
    assert len(notes(gone)) == 1
    said = outcomes()
    assert said[0] == ("handled", "hard bounce for nobody.here.4821@gmail.com: suppressed, noted on 1 contact, "
                                  "campaign “Spring appeal”", "")
    assert said[2] == ("handled", "hard bounce for old.member@school.example.net: suppressed, "
                                  "campaign “Spring appeal”", "")

    # The same three reports again (a mail server resending, a folder renumbered): nothing twice.
    for name, kwargs in (("gmail_hard", {"recipient_id": rows["nobody.here.4821@gmail.com"].id}),
                         ("postfix_hard", {"recipient_id": rows["old.member@school.example.net"].id})):
        inbox.append("bounces", report(name, **kwargs))
    assert polling.poll_all().startswith("1 mailbox(es): 0 new message(s)")
    assert len(events()) == 3 and len(bounces()) == 3 and len(suppressed()) == 3
    assert len(notes(nobody)) == 1


def test_soft_bounces_suppress_only_after_the_admin_set_count(app, ctx, inbox):
    settings.put("marketing", {"soft_bounce_limit": 2})
    db.session.commit()
    person = make_person(app, "Fay", "Full", "full.box@gmail.com")
    rows = campaign("Autumn news", {"full.box@gmail.com": person, "full.box@hotmail.com": None,
                                    "full.box@school.example.net": None})
    bounce_mailbox(inbox)
    inbox.append("bounces", report("gmail_soft", message_id=rows["full.box@gmail.com"].message_id.strip("<>")))
    inbox.append("bounces", report("outlook_soft"))  # 5.2.2 "mailbox full": soft, whatever its class
    inbox.append("bounces", report("postfix_soft"))
    polling.poll_all()
    assert suppressed() == {}
    assert bounces() == [("full.box@gmail.com", "soft", "mailbox"), ("full.box@hotmail.com", "soft", "mailbox"),
                         ("full.box@school.example.net", "soft", "mailbox")]
    assert events() == [("Autumn news", "full.box@gmail.com", "bounce_soft")]
    assert outcomes()[0][1] == "soft bounce for full.box@gmail.com: soft bounce 1 of 2 within 30 days, " \
                               "campaign “Autumn news”"
    assert notes(person) == []

    # A second soft bounce for the Gmail address (a new report): the count is reached.
    second = report("gmail_soft", message_id=rows["full.box@gmail.com"].message_id.strip("<>")).replace(
        b"gmail-delay.0002", b"gmail-delay.0003")
    inbox.append("bounces", second)
    polling.poll_all()
    assert suppressed() == {"full.box@gmail.com": "soft_bounces"}
    assert outcomes()[-1][1] == ("soft bounce for full.box@gmail.com: soft bounce 2 of 2 within 30 days, "
                                 "suppressed, noted on 1 contact, campaign “Autumn news”")
    assert notes(person) == ["Email to full.box@gmail.com bounced 2 times (soft bounces): "
                             "no more campaigns will go there"]


def test_a_yahoo_complaint_unsubscribes_from_everything_and_suppresses(app, ctx, inbox):
    person = make_person(app, "Angie", "Reader", "angry.reader@yahoo.com")
    for name in ("Newsletter", "Events"):
        topic = Topic(name=name, slug=name.lower())
        db.session.add(topic)
        db.session.flush()
        db.session.add(Subscription(contact_id=person, topic_id=topic.id))
    db.session.commit()
    rows = campaign("Spring appeal", {"angry.reader@yahoo.com": person})
    bounce_mailbox(inbox)
    inbox.append("bounces", report("yahoo_complaint", recipient_id=rows["angry.reader@yahoo.com"].id))
    polling.poll_all()
    assert suppressed() == {"angry.reader@yahoo.com": "complaint"}
    assert sorted(db.session.scalars(select(Subscription.status))) == ["unsubscribed", "unsubscribed"]
    assert events() == [("Spring appeal", "angry.reader@yahoo.com", "complaint")]
    assert outcomes() == [("handled", "complaint for angry.reader@yahoo.com: suppressed, 1 contact unsubscribed "
                                      "from everything (2 topics left), campaign “Spring appeal”", "")]
    assert notes(person)[-1] == "Marked an email to angry.reader@yahoo.com as spam: unsubscribed from everything"


def test_auto_replies_and_a_malformed_report_change_nothing_and_never_stop_the_poll(app, ctx, inbox):
    person = make_person(app, "Ann", "Able", "ann@example.org")
    rows = campaign("Spring appeal", {"ann@example.org": person, "old.member@school.example.net": None})
    bounce_mailbox(inbox)
    inbox.append("bounces", report("auto_reply", recipient_id=rows["ann@example.org"].id))
    inbox.append("bounces", report("malformed"))
    inbox.append("bounces", report("postfix_hard", recipient_id=rows["old.member@school.example.net"].id))
    assert polling.poll_all() == "1 mailbox(es): 3 new message(s)"
    assert outcomes()[:2] == [
        ("handled", "an automatic reply (“Automatic reply: Our spring appeal”): ignored", ""),
        ("handled", "not a bounce: no failed address found in it", "")]
    assert suppressed() == {"old.member@school.example.net": "hard_bounce"}  # the report after them still counted
    assert events() == [("Spring appeal", "old.member@school.example.net", "bounce_hard")]
    assert notes(person) == []
    assert db.session.scalar(select(Mailbox.last_error)) is None


def test_the_bounce_mailbox_is_set_up_in_admin_mailboxes(app, admin_client, inbox):
    page = admin_client.get("/admin/mailboxes/new").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="marketing.bounces"[^>]*>\s*Bounces and complaints', page)
    saved = post_form(admin_client, "/admin/mailboxes/new", {
        "name": "Bounces", "kind": "marketing.bounces", "active": "y", "host": "127.0.0.1",
        "port": str(inbox.port), "security": "none", "username": "bounces", "password": inbox.users["bounces"],
        "folder": "INBOX", "after": "seen", "move_to": ""})
    assert saved.status_code == 303
    inbox.append("bounces", report("outlook_hard"))
    with app.app_context():
        assert polling.poll_all() == "1 mailbox(es): 1 new message(s)"
        assert suppressed() == {"gone.away@outlook.com": "hard_bounce"}
        assert outcomes() == [("handled", "hard bounce for gone.away@outlook.com: suppressed", "")]
