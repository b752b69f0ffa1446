"""Automation on real mail (Dovecot, tests/imap.py) and a real SMTP server
(aiosmtpd): rules on a new ticket from a Major-donor organisation, the
acknowledgement (template, loop rules, hourly limit per address), tickets
that close themselves after waiting, merging, and replies with CCs and
attachments."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import func, select

from app import settings
from app.extensions import db
from app.models import MailMessage, User
from app.models.base import utcnow
from modules.contacts.models import ORGANISATION, PERSON, ContactTag, Relationship, RelationshipType, Tag
from modules.contacts.people import records
from modules.helpdesk import autoclose, merge, services
from modules.helpdesk.automation_models import CannedReply, Rule
from modules.helpdesk.models import CLOSED, EVENT, IN, MERGED, OUT, WAITING, Team, Ticket, TicketMessage
from modules.helpdesk.parsing import Part
from tests.browser.conftest import run_jobs, smtp  # noqa: F401
from tests.conftest import make_user
from tests.modules.helpdesk.conftest import eml


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def raw(sender: str, subject: str, body: str = "Hello", **headers) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@charity.example", subject
    message["Message-ID"] = make_msgid(domain="example.net")
    message["Date"] = "Mon, 07 Dec 2026 10:00:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes().replace(b"\n", b"\r\n")


def major_donor(email: str) -> None:
    """A person who works at an organisation tagged Major donor."""
    person = records.create(PERSON, {"first_name": "Ann", "last_name": "Able"},
                            records.Details(emails=[{"email": email, "label": "", "is_primary": True}]))
    org = records.create(ORGANISATION, {"name": "Big Foundation"})
    tag = Tag(name="Major donor")
    kind = db.session.scalar(select(RelationshipType).where(RelationshipType.key == "employer"))
    if kind is None:
        kind = RelationshipType(key="employer", a_to_b="employer of", b_to_a="employee of")
        db.session.add(kind)
    db.session.add(tag)
    db.session.flush()
    db.session.add(ContactTag(contact_id=org.id, tag_id=tag.id))
    db.session.add(Relationship(type_id=kind.id, contact_a_id=org.id, contact_b_id=person.id))


def test_rules_act_on_an_imap_ticket_from_a_major_donor_organisation(app, desk):
    sam = make_user(app, email="sam@charity.example", name="Sam Lee")
    major_donor("ann.able@gmail.com")
    development = Team(name="Development")
    db.session.add(development)
    db.session.flush()
    db.session.add_all([
        Rule(name="Major donors", position=1, active=True, stop=True,
             conditions=json.dumps([{"field": "tag", "value": "major donor"}, {"field": "channel", "value": "email"},
                                    {"field": "mailbox", "value": str(desk.mailbox_id)}]),
             actions=json.dumps([{"action": "priority", "value": "high"},
                                 {"action": "team", "value": str(development.id)},
                                 {"action": "assign", "value": str(sam.id)},
                                 {"action": "tag", "value": "VIP"}])),
        Rule(name="Everything else low", position=2, active=True, stop=False, conditions="[]",
             actions=json.dumps([{"action": "priority", "value": "low"}])),
        Rule(name="Receipts", position=0, active=True, stop=False,
             conditions=json.dumps([{"field": "subject", "value": "RECEIPT"},
                                    {"field": "domain", "value": "gmail.com"}]),
             actions=json.dumps([{"action": "tag", "value": "receipts"}])),
        Rule(name="Switched off", position=0, active=False, conditions="[]",
             actions=json.dumps([{"action": "priority", "value": "urgent"}])),
    ])
    db.session.commit()

    assert "1 new message(s)" in desk.deliver(eml("gmail_new.eml"))
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.priority, ticket.team_id, ticket.assignee_id) == ("high", development.id, sam.id)
    assert ticket.tags == "receipts, VIP"
    events = db.session.scalars(select(TicketMessage.body_text).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.direction == EVENT).order_by(TicketMessage.id)).all()
    assert events == ["Rule “Receipts”: tagged receipts.",
                      "Rule “Major donors”: priority High; moved to Development; assigned to Sam Lee; tagged VIP."]
    # the events follow the customer's message in the conversation
    directions = db.session.scalars(select(TicketMessage.direction).where(TicketMessage.ticket_id == ticket.id)
                                    .order_by(TicketMessage.id)).all()
    assert directions == [IN, EVENT, EVENT]

    # someone who is no major donor: the catch-all rule runs, the stopped one does not
    desk.deliver(raw("Bob <bob@example.org>", "A question"))
    other = db.session.scalar(select(Ticket).where(Ticket.requester_email == "bob@example.org"))
    assert (other.priority, other.assignee_id, other.tags) == ("low", None, "")


def test_a_rule_sends_a_shared_canned_reply_with_merge_fields(app, desk, smtp):  # noqa: F811
    canned = CannedReply(name="Got it", body="Hello {{ contact.first_name }}, ticket #{{ ticket.number }} is open.",
                         format="markdown", owner_id=None)
    db.session.add(canned)
    db.session.flush()
    db.session.add(Rule(name="Say hello", position=0, active=True, conditions="[]",
                        actions=json.dumps([{"action": "canned", "value": str(canned.id)}])))
    db.session.commit()
    desk.deliver(eml("gmail_new.eml"))
    ticket = db.session.scalar(select(Ticket))
    run_jobs(app)
    [sent] = smtp.messages
    assert sent["To"] == "ann.able@gmail.com" and sent["Auto-Submitted"] == "auto-replied"
    assert f"Hello Ann, ticket #{ticket.number} is open." in sent.get_body(("plain",)).get_content()
    assert ticket.first_responded_at is None  # an automatic reply is not the team's answer


def test_acknowledgement_uses_the_team_text_skips_auto_replies_and_is_rate_limited(app, desk, smtp):  # noqa: F811
    team = db.session.get(Team, desk.team_id)
    team.acknowledge = True
    team.ack_body = "Dear {{ contact.first_name }},\n\nWe opened **#{{ ticket.number }}** for you."
    team.ack_format = "markdown"
    settings.put("helpdesk", {"ack_per_hour": 3})
    db.session.commit()
    desk.deliver(eml("gmail_new.eml"))
    ticket = db.session.scalar(select(Ticket))
    run_jobs(app)
    [ack] = smtp.messages
    assert ack["Auto-Submitted"] == "auto-replied" and f"[#{ticket.number}]" in ack["Subject"]
    plain = ack.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"Dear Ann,\n\nWe opened **#{ticket.number}** for you." in plain
    assert f"<strong>#{ticket.number}</strong>" in ack.get_body(("html",)).get_content()

    # an automatic message never gets one, whether it opens a ticket or not
    desk.deliver(raw("Eve <eve@example.org>", "Automatic reply: holiday", Auto_Submitted="auto-replied"),
                 raw("List <news@example.org>", "Newsletter", Precedence="bulk"))
    assert count(Ticket) == 1
    # five new tickets from one address in an hour: three acknowledgements
    desk.deliver(*(raw("Carol <carol@example.org>", f"Question {n}") for n in range(5)))
    assert count(Ticket) == 6
    acks = db.session.scalars(select(MailMessage.recipient).where(MailMessage.category == "helpdesk.ack")).all()
    assert sorted(acks) == ["ann.able@gmail.com"] + ["carol@example.org"] * 3
    run_jobs(app)
    assert smtp.count_to("carol@example.org") == 3


def test_tickets_waiting_too_long_close_and_a_later_reply_opens_a_linked_ticket(app, desk):
    user = make_user(app)
    settings.put("helpdesk", {"auto_close_days": 5})
    desk.deliver(eml("gmail_new.eml"))
    ticket = db.session.scalar(select(Ticket))
    services.reply(ticket, db.session.get(User, user.id), "Can you send the receipt number?", status=WAITING)
    fresh = services.open_ticket(subject="Fresh", requester=None, email="x@example.org", team=None)
    services.set_status(fresh, WAITING)
    db.session.commit()
    ticket.paused_at = utcnow() - timedelta(days=6)
    db.session.commit()
    assert autoclose.run() == "closed 1 ticket(s) waiting on the customer for 5 days"
    db.session.refresh(ticket)
    assert ticket.status == CLOSED and db.session.get(Ticket, fresh.id).status == WAITING
    last = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id.desc())).first()
    assert last.direction == EVENT and "Closed automatically" in last.body_text
    sent_id = db.session.scalar(select(TicketMessage.message_id).where(TicketMessage.direction == OUT))
    desk.deliver(eml("gmail_reply.eml", reply_id=sent_id, number=ticket.number))
    follow = db.session.scalar(select(Ticket).where(Ticket.id != ticket.id, Ticket.id != fresh.id))
    assert follow.follows_id == ticket.id
    assert db.session.get(Ticket, ticket.id).status == CLOSED


def test_auto_close_off_when_days_is_zero(app, ctx):
    settings.put("helpdesk", {"auto_close_days": 0})
    assert autoclose.run() == "auto-close is off"


def test_merge_moves_every_message_and_later_mail_lands_in_the_target(app, desk):
    desk.deliver(eml("gmail_new.eml"), raw("Ann Able <ann.able@gmail.com>", "Another thing", "Second ticket"))
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    services.add_message(second, IN, text="More on the second", from_address="ann.able@gmail.com")
    db.session.commit()
    before = count(TicketMessage)
    first_n, second_n = count(TicketMessage, TicketMessage.ticket_id == first.id), count(
        TicketMessage, TicketMessage.ticket_id == second.id)
    moved = merge.merge(second, first)
    db.session.commit()
    assert moved == second_n == 2
    assert count(TicketMessage) == before + 2  # nothing lost: only the two merge notes are new
    assert count(TicketMessage, TicketMessage.ticket_id == first.id) == first_n + second_n + 1
    assert count(TicketMessage, TicketMessage.ticket_id == second.id) == 1
    second = db.session.get(Ticket, second.id)
    assert (second.status, second.merged_into_id, second.due_at) == (MERGED, first.id, None)
    try:
        merge.merge(first, first)
    except merge.MergeRefused as refused:
        assert "itself" in str(refused)
    # mail that names the merged ticket lands in the target
    desk.deliver(raw("Ann Able <ann.able@gmail.com>", f"Re: Another thing [#{second.number}]", "Follow-up"))
    assert count(Ticket) == 2
    assert db.session.scalar(select(TicketMessage.ticket_id).order_by(TicketMessage.id.desc())) == first.id


def test_a_reply_goes_to_the_requester_and_ccs_with_an_attachment(app, desk, smtp):  # noqa: F811
    user = make_user(app)
    desk.deliver(eml("gmail_new.eml"))
    ticket = db.session.scalar(select(Ticket))
    ticket.cc = "treasurer@example.org, Ann.Able@gmail.com"
    services.reply(ticket, db.session.get(User, user.id), "The corrected receipt is attached.",
                   files=[Part("receipt 2026.pdf", "application/pdf", b"%PDF-1.4 receipt")])
    db.session.commit()
    run_jobs(app)
    [sent] = smtp.messages
    [received] = smtp.inbox.received
    assert sorted(received.rcpt_tos) == ["ann.able@gmail.com", "treasurer@example.org"]
    assert sent["Cc"] == "treasurer@example.org"
    [part] = list(sent.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == (
        "receipt 2026.pdf", "application/pdf", b"%PDF-1.4 receipt")
    out = db.session.scalar(select(TicketMessage).where(TicketMessage.direction == OUT))
    assert out.cc == "treasurer@example.org"
    assert [a.filename for a in out.attachments] == ["receipt 2026.pdf"]
