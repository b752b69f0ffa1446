"""One inbound message as the helpdesk needs it: addresses, threading
headers, the text (whole, and what is new), sanitised HTML, attachments.

MIME is the standard library's modern `email` policy (the intake parses
with it). Real mail is untidy: a part that will not decode is read with
replacement characters instead of failing the message; a charset Python
does not know is read as windows-1252, which is what such mail almost
always is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

import nh3

from app.templating.plaintext import html_to_text
from modules.helpdesk import quoting

MSGID = re.compile(r"<([^<>\s]{1,250})>")


@dataclass
class Part:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    subject: str
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    text: str
    new_text: str
    html: str
    attachments: list[Part] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # LOOP_HEADERS present: lower-cased name -> value


# The headers that mark a message as automatic (loops.py): only these are decoded, each one costing the
# email package's full header parsing.
LOOP_HEADERS = ("auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply", "x-autorespond",
                "x-loop", "x-auto-response-suppress")


def header(message: Message, name: str) -> str:
    try:
        return str(message.get(name) or "").strip()
    except (ValueError, TypeError, IndexError, AttributeError):  # a header the policy cannot parse
        raw = message.get_all(name, failobj=[None])[0] if hasattr(message, "get_all") else None
        return str(raw or "").strip()


def ids(value: str) -> list[str]:
    """Message-IDs in a header, without angle brackets, in order."""
    found = MSGID.findall(value or "")
    if not found and value and "@" in value and " " not in value.strip():
        found = [value.strip()]  # a bare id some clients write without brackets
    return list(dict.fromkeys(found))


def addresses(message: Message, name: str) -> list[str]:
    try:
        values = message.get_all(name, [])
        return [a.lower() for _, a in getaddresses([str(v) for v in values]) if "@" in a]
    except (ValueError, TypeError, IndexError):
        return []


def decode(part: Message) -> str:
    try:
        content = part.get_content()
        return content if isinstance(content, str) else content.decode("utf-8", "replace")
    except (LookupError, KeyError, ValueError, AssertionError, AttributeError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("cp1252", "replace")


def sanitise(html: str) -> str:
    """Inert HTML: nh3 keeps formatting tags, drops scripts, styles, handlers and unsafe URLs."""
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")


def _walk(message: Message):
    """Leaf parts; a part whose structure is broken is skipped, not fatal."""
    if message.is_multipart():
        payload = message.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if sub.get_content_type() == "message/rfc822" or sub.get_content_type() == "text/rfc822-headers":
                yield sub
                continue
            yield from _walk(sub)
    else:
        yield message


def body_parts(message: Message) -> tuple[str, str, list[Part]]:
    text = html = ""
    files: list[Part] = []
    for part in _walk(message):
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() if hasattr(part, "get_filename") else None
        if ctype == "text/plain" and not text and disposition != "attachment" and not filename:
            text = decode(part)
        elif ctype == "text/html" and not html and disposition != "attachment" and not filename:
            html = decode(part)
        elif ctype in ("message/rfc822", "message/delivery-status", "text/rfc822-headers"):
            continue  # a bounce's report: read by bounces.py, not shown as a file
        elif not ctype.startswith("multipart/"):
            data = part.get_payload(decode=True) or b""
            if data:
                files.append(Part(filename or "attachment", ctype, data))
    if not text and html:
        text = html_to_text(html)
    if not text and not html and not files:  # a structure that does not parse: keep the body as it came
        payload = message.get_payload()
        text = payload if isinstance(payload, str) else ""
    return text, html, files


def parse(message: EmailMessage) -> Parsed:
    name, address = parseaddr(header(message, "From"))
    text, html, files = body_parts(message)
    text = text.replace("\r\n", "\n")
    new, _quoted = quoting.split(text)
    return Parsed(
        from_name=name.strip()[:200], from_address=address.strip().lower()[:320],
        to=addresses(message, "To"), cc=addresses(message, "Cc"),
        subject=" ".join(header(message, "Subject").split())[:300],
        message_id=(ids(header(message, "Message-ID")) or [""])[0],
        in_reply_to=ids(header(message, "In-Reply-To")), references=ids(header(message, "References")),
        text=text, new_text=new.strip("\n") or text.strip("\n"), html=sanitise(html) if html else "",
        attachments=files,
        headers={name: value for name in LOOP_HEADERS if (value := header(message, name))},
    )
