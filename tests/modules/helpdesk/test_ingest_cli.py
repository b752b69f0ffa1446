"""`flask helpdesk ingest --mailbox NAME < message.eml`, the command a
Postfix pipe runs: the same intake as `flask mail receive` (stored once per
Message-ID, then the helpdesk's handler), with its sysexits codes."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import InboundMessage, Mailbox
from modules.helpdesk.models import Team, Ticket
from tests.modules.helpdesk.conftest import eml


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_piped_message_becomes_a_ticket_once_and_a_wrong_mailbox_bounces(app, ctx):
    box = Mailbox(name="Support", kind="helpdesk.tickets", active=True, host="", last_uid=0)
    db.session.add(box)
    db.session.flush()
    db.session.add(Team(name="Supporter care", address="support@charity.example", mailbox_id=box.id))
    db.session.commit()
    runner = app.test_cli_runner()
    raw = eml("gmail_new.eml")

    first = runner.invoke(args=["helpdesk", "ingest", "--mailbox", "support"], input=raw)
    again = runner.invoke(args=["helpdesk", "ingest", "--mailbox", "Support"], input=raw)
    nowhere = runner.invoke(args=["helpdesk", "ingest", "--mailbox", "Sales"], input=raw)

    assert first.exit_code == 0, first.output
    assert first.output.startswith("Taken as message ") and "new ticket #" in first.output
    assert again.exit_code == 0 and "Already had this message" in again.output
    assert nowhere.exit_code == 67 and "there is no mailbox 'Sales'" in nowhere.output
    assert count(Ticket) == 1 and count(InboundMessage) == 1
    assert db.session.scalar(select(Ticket.subject)) == "Question about my donation receipt"
