"""The handler of "helpdesk.dropbox" mailboxes: staff BCC or forward their
correspondence to the dropbox address, and each message is logged on the
timeline of every contact it involves. No ticket is made.

Who is involved: the From, To and Cc addresses, and for a forwarded
message the people named in the forwarded headers (Gmail's "Forwarded
message", Outlook's "Original Message", Apple Mail's "Begin forwarded
message", or an attached message/rfc822). Addresses are matched to live
contacts by their emails (contacts_email, lower-cased); Steward users'
own addresses are not contacts here. The entry is a contacts Activity of
kind "email" (the contacts module's own timeline row), its author the
Steward user whose address sent it.

The core intake stores a message once per Message-ID and mailbox; the same
message reaching a second dropbox (or arriving again under a new id) is
caught by the entry itself: one per contact, subject and date."""

from __future__ import annotations

import re
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from modules.contacts.models import Activity, Contact, ContactEmail
from modules.helpdesk.parsing import Parsed, header, parse

BODY_LIMIT = 20_000
# The line that opens a forwarded message in the common clients' plain text.
FORWARD_START = re.compile(r"^[> ]*(-{2,}\s*Forwarded message\s*-{2,}|-{2,}\s*Original Message\s*-{2,}"
                           r"|Begin forwarded message:)\s*$", re.IGNORECASE | re.MULTILINE)
HEADER_LINE = re.compile(r"^[> ]*\*?(From|To|Cc|Von|De|An|À)\*?:\s*(.+)$", re.IGNORECASE)


def handle(message: Message, inbound) -> str:
    parsed = parse(message)
    staff = _staff_by_address()
    sender = staff.get(parsed.from_address)
    involved = [a for a in dict.fromkeys([parsed.from_address, *parsed.to, *parsed.cc, *forwarded(message, parsed)])
                if a and a not in staff and a != _own_address(inbound)]
    contacts = _contacts_for(involved)
    if not contacts:
        return "no contact among " + (", ".join(involved) or "its addresses") + ": nothing logged"
    at = _date(message)
    subject = (parsed.subject or "(no subject)")[:200]
    body = _body(parsed)
    logged = 0
    for contact_id in contacts:
        if db.session.scalar(select(Activity.id).where(Activity.contact_id == contact_id, Activity.kind == "email",
                                                      Activity.subject == subject, Activity.occurred_at == at)):
            continue  # the same message through another dropbox, or again under another Message-ID
        db.session.add(Activity(contact_id=contact_id, kind="email", subject=subject, body=body, occurred_at=at,
                                user_id=sender.id if sender else None))
        logged += 1
    by = f" (sent by {sender.name})" if sender else ""
    return f"logged on {logged} contact timeline(s){by}" if logged else "already logged on every contact"


def forwarded(message: Message, parsed: Parsed) -> list[str]:
    """The addresses in a forwarded message's own headers, where recognisable."""
    found: list[str] = []
    for part in message.walk() if message.is_multipart() else []:
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None:
                for name in ("From", "To", "Cc"):
                    found += [a.lower() for _, a in getaddresses([header(inner, name)]) if "@" in a]
    for start in FORWARD_START.finditer(parsed.text):
        for line in parsed.text[start.end():].lstrip("\n").splitlines()[:12]:
            matched = HEADER_LINE.match(line)
            if matched is None:
                if not line.strip(" >"):
                    break  # the blank line after the forwarded headers
                continue  # Date:, Subject:, or a header folded on to a second line
            value = re.sub(r"\[mailto:[^\]]*\]", "", matched.group(2))
            found += [a.lower() for _, a in getaddresses([value]) if "@" in a]
    return found


def _staff_by_address() -> dict[str, User]:
    return {u.email.lower(): u for u in db.session.scalars(select(User)) if u.email}


def _own_address(inbound) -> str:
    from app.models import Mailbox

    box = db.session.get(Mailbox, inbound.mailbox_id)
    return (box.username or "").lower() if box is not None and "@" in (box.username or "") else ""


def _contacts_for(addresses: list[str]) -> list[int]:
    """Live contacts with any of the addresses, each once, in the order the addresses came."""
    if not addresses:
        return []
    rows = db.session.execute(select(func.lower(ContactEmail.email), ContactEmail.contact_id)
                              .join(Contact, Contact.id == ContactEmail.contact_id)
                              .where(func.lower(ContactEmail.email).in_(addresses), Contact.deleted_at.is_(None))
                              .order_by(ContactEmail.contact_id)).all()
    by_address: dict[str, list[int]] = {}
    for address, contact_id in rows:
        by_address.setdefault(address, []).append(contact_id)
    return list(dict.fromkeys(cid for a in addresses for cid in by_address.get(a, [])))


def _date(message: Message):
    try:
        at = parsedate_to_datetime(header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return utcnow().replace(microsecond=0)
    if at is None or at.tzinfo is None:
        return utcnow().replace(microsecond=0)
    return at


def _body(parsed: Parsed) -> str:
    lines = [f"From: {parsed.from_name} <{parsed.from_address}>".strip(),
             "To: " + ", ".join(parsed.to)]
    if parsed.cc:
        lines.append("Cc: " + ", ".join(parsed.cc))
    text = parsed.text.strip()
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + "\n[…cut: the message was longer]"
    return "\n".join(lines) + "\n\n" + text
