"""The last intake cases of issue 11, through Dovecot and the core's poll:
a 15 MB attachment is stored whole, one over the limit is refused with a
note on the ticket while the message itself is kept; HTML and script in a
message are inert on the ticket page. (Forged survey and portal links are
tested in test_surveys.py and test_portal.py.)"""

from __future__ import annotations

import hashlib
import random
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy import select

from app.extensions import db
from app.models import InboundMessage
from modules.helpdesk import attachments
from modules.helpdesk.models import Ticket, TicketAttachment, TicketMessage
from tests.conftest import login, make_user
from tests.modules.helpdesk.conftest import eml

MB = 1024 * 1024


def with_attachment(size: int, n: int) -> tuple[bytes, bytes]:
    """An Outlook-shaped message with a `size`-byte PDF attached (random bytes: they do not compress)."""
    data = random.Random(n).randbytes(size)
    message = EmailMessage()
    message["From"] = "Bob Baker <bob.baker@contoso.example>"
    message["To"] = "support@charity.example"
    message["Subject"] = f"Scan of my gift aid form ({n})"
    message["Date"] = "Thu, 10 Dec 2026 10:00:00 +0000"
    message["Message-ID"] = f"<big-{n}@contoso.example>"
    message.set_content("Hello, the signed form is attached.\n\nBob\n")
    message.add_attachment(data, maintype="application", subtype="pdf", filename="gift-aid form.pdf")
    return message.as_bytes(), data


def test_a_15_mb_attachment_is_stored_whole(desk):
    raw, data = with_attachment(15 * MB, 1)

    summary = desk.deliver(raw)

    assert summary.startswith("1 mailbox(es): 1 new message(s)") and "failed" not in summary
    [ticket] = db.session.scalars(select(Ticket)).all()
    [row] = db.session.scalars(select(TicketAttachment)).all()
    assert (row.filename, row.size, row.note) == ("gift-aid form.pdf", 15 * MB, "")
    stored = attachments.full_path(row).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    message = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
    assert "the signed form is attached" in message.body_text


def test_an_attachment_over_the_limit_is_noted_on_the_ticket_and_the_message_kept(app, mailroom):
    raw, data = with_attachment(16 * MB, 2)

    mailroom.deliver(raw)

    make_user(app)
    with app.app_context():
        [row] = db.session.scalars(select(TicketAttachment)).all()
        assert row.path == "" and row.size == 16 * MB
        assert row.note == "Not kept: 16.0 MB is over the 15 MB limit."
        ticket_id = db.session.scalar(select(Ticket.id))
        inbound = db.session.scalar(select(InboundMessage))
        assert inbound.status == InboundMessage.HANDLED
        kept = message_from_bytes(inbound.raw, policy=policy.default)  # nothing lost: the file is in the raw message
        [part] = list(kept.iter_attachments())
        assert part.get_content() == data
    client = app.test_client()
    login(client)
    page = client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)
    assert "gift-aid form.pdf" in page and "Not kept: 16.0 MB is over the 15 MB limit." in page
    assert "the signed form is attached" in page


def test_html_and_script_in_a_message_are_inert_on_the_ticket_page(app, mailroom):
    mailroom.deliver(eml("hostile_html.eml"))
    make_user(app)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        stored = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
        assert "<script" not in stored.body_html and "onerror" not in stored.body_html
        assert "javascript:" not in stored.body_html and "<iframe" not in stored.body_html
        assert "onload" not in stored.body_html
        ticket_id = ticket.id
    client = app.test_client()
    login(client)

    page = client.get(f"/helpdesk/tickets/{ticket_id}").get_data(as_text=True)

    assert "Thanks, Mallory" in page
    for live in ("<script>alert", "<script>document", "<img src=x", 'href="javascript:', "<iframe",
                 'onerror="alert', "onerror=alert(4)>"):
        assert live not in page, live
    assert "&lt;script&gt;document.location=" in page  # shown as the text it is
    assert "&lt;img src=x onerror=alert(3)&gt;" in page  # the subject too
