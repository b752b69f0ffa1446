"""Sending a letter, or handing it over for printing, and recording that
it was: an Acknowledgement row per letter, `Gift.acknowledged_at` for a
thank-you, `Gift.tribute_notified_at` for a tribute notification.

A letter is emailed only to a contact who has an email address and has not
asked not to be emailed (`do_not_email`); everyone else's letter goes to
the pile to print. The caller commits.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from app import audit, mail
from app.extensions import db
from app.models.base import utcnow
from modules.pipeline.models import Acknowledgement
from modules.pipeline.receipts.letters import STATEMENT, THANK_YOU, TRIBUTE, Letter

EMAIL, DOWNLOAD = "email", "download"
CHANNELS = {EMAIL: "Email", DOWNLOAD: "Printed / downloaded"}
CATEGORY = "receipts"


def email_refusal(contact) -> str | None:
    """Why this contact's letter cannot be emailed, or None when it can."""
    if contact.deleted_at is not None:
        return f"{contact.display_name} is in the trash."
    if contact.do_not_email:
        return f"{contact.display_name} asked not to be emailed; print the letter instead."
    if not (contact.email or "").strip():
        return f"{contact.display_name} has no email address; print the letter instead."
    return None


class _Text(HTMLParser):
    """The letter's HTML as plain text for the email's text part."""

    BREAKS = {"p", "br", "div", "tr", "li", "h1", "h2", "h3", "table", "address"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append("  ")

    def handle_endtag(self, tag):
        if tag in {"p", "h1", "h2", "h3", "table"}:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(re.sub(r"\s+", " ", data))


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def record(letter: Letter, channel: str, *, mail_id: int | None = None, user=None, audited: bool = True):
    """Add the Acknowledgement and mark the gift; returns the row."""
    now = utcnow()
    ack = Acknowledgement(kind=letter.kind, contact_id=letter.recipient.id,
                          gift_id=letter.gift.id if letter.gift is not None else None, year=letter.year,
                          template_id=letter.template.id, channel=channel, mail_id=mail_id,
                          user_id=getattr(user, "id", None), created_at=now)
    db.session.add(ack)
    if letter.kind == THANK_YOU and letter.gift.acknowledged_at is None:
        letter.gift.acknowledged_at = now
    if letter.kind == TRIBUTE and letter.gift.tribute_notified_at is None:
        letter.gift.tribute_notified_at = now
    if audited:
        db.session.flush()
        audit.record(audit.CREATE, ack, user=user, summary=describe(letter, channel))
    return ack


def describe(letter: Letter, channel: str) -> str:
    what = {THANK_YOU: f"Thank-you letter for gift #{letter.gift.id if letter.gift else ''}",
            TRIBUTE: f"Tribute notification for gift #{letter.gift.id if letter.gift else ''}",
            STATEMENT: f"{letter.year} giving statement"}[letter.kind]
    how = f"emailed to {letter.recipient.email}" if channel == EMAIL else "downloaded to print"
    return f"{what} for {letter.recipient.display_name}, {how}"


def email(letter: Letter, pdf: bytes, *, user=None, audited: bool = True, held: list | None = None):
    """Queue the letter with its PDF through the outbox; the caller has
    checked `email_refusal`. Returns the Acknowledgement.

    With a `held` list the message is stored and appended to it, not queued:
    a batch run queues a chunk's letters together (`mail.schedule`)."""
    message = mail.send(letter.recipient.email, letter.subject, plain_text(letter.body), letter.body,
                        category=CATEGORY, attachments=[(letter.filename, "application/pdf", pdf)],
                        queue=held is None)
    if held is not None:
        held.append(message)
    return record(letter, EMAIL, mail_id=message.id, user=user, audited=audited)
