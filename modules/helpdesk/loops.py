"""Mail that must never be answered automatically (RFC 3834 and what real
servers send), and bounces of Steward's own replies.

`automatic(parsed)` says why a message is automatic, or "" for a person's
message. An automatic message still lands on its ticket (an out-of-office
note is worth seeing) but gets no acknowledgement and reopens nothing."""

from __future__ import annotations

import re
from email.message import Message

from modules.helpdesk.parsing import Parsed, header, ids

NO_REPLY = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+\-.@]|$)", re.IGNORECASE)


def automatic(parsed: Parsed, own_domain: str) -> str:
    h = parsed.headers
    auto = h.get("auto-submitted", "").lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    if h.get("precedence", "").lower() in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {h['precedence']}"
    for name in ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond", "x-loop",
                 "x-auto-response-suppress"):
        if h.get(name):
            return f"{name.title()} header"
    if NO_REPLY.match(parsed.from_address) or not parsed.from_address:
        return f"sent from {parsed.from_address or 'no address'}"
    if own_domain and parsed.message_id.lower().endswith("@" + own_domain.lower()):
        return "a Message-ID of Steward's own"
    return ""


def is_bounce(message: Message, parsed: Parsed) -> bool:
    ctype = message.get_content_type()
    report = ctype == "multipart/report" and "delivery-status" in (message.get_param("report-type") or "")
    return report or bool(NO_REPLY.match(parsed.from_address) and parsed.from_address.startswith(("mailer", "postm")))


def bounced_ids(message: Message) -> list[str]:
    """The Message-IDs of the messages a bounce reports on: from the
    returned message or headers it carries, and its own In-Reply-To."""
    found: list[str] = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                found += ids(header(inner, "Message-ID"))
            else:
                text = part.get_payload(decode=True) or b""
                match = re.search(rb"^Message-ID:\s*(<[^>]+>)", text, re.IGNORECASE | re.MULTILINE)
                if match:
                    found += ids(match.group(1).decode("ascii", "replace"))
    found += ids(header(message, "In-Reply-To")) + ids(header(message, "References"))
    return list(dict.fromkeys(found))
