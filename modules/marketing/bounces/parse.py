"""Reading a message from the bounce mailbox: a DSN (flufl.bounce finds the
failed addresses, permanent or temporary), an ARF feedback report (a
complaint), an auto-reply (set aside), or something else (not a bounce).

flufl.bounce reads `email.message.Message` of the compat32 policy, so the
raw bytes are parsed again for it. Per-address Status and Diagnostic-Code
come from the message/delivery-status part when there is one."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

from flufl.bounce import all_failures

from modules.marketing import verp
from modules.marketing.bounce_models import COMPLAINT, HARD, SOFT
from modules.marketing.bounces.record import Found

AUTO_SUBJECT = re.compile(r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|abwesenheit|"
                          r"r[ée]ponse automatique|respuesta autom[aá]tica)\b", re.I)


@dataclass
class Reading:
    """What a message is: "bounce", "complaint", "auto-reply" or "other"."""

    what: str
    found: list[Found] = field(default_factory=list)
    why: str = ""


def read(raw: bytes) -> Reading:
    message = email.message_from_bytes(raw)
    original = _original_headers(message)
    recipient_id = _verp(message, original)
    message_id = (original.get("Message-ID") or "").strip() if original is not None else ""
    report = _part(message, "message/feedback-report")
    if report is not None:
        return _complaint(report, original, recipient_id, message_id)
    if _part(message, "message/delivery-status") is None and _auto_reply(message):
        # DSNs say "Auto-Submitted: auto-replied" too; only a message without a report is an auto-reply.
        return Reading("auto-reply", why=f"an automatic reply (“{_text(message.get('Subject'))}”): ignored")
    try:
        temporary, permanent = all_failures(message)
    except Exception as error:  # noqa: BLE001 - a report too broken for the detectors
        return Reading("other", why=f"not a bounce: the report could not be read ({type(error).__name__})")
    statuses = _statuses(message)
    found = []
    for address in sorted({a.decode("ascii", "replace").lower() for a in permanent | temporary}):
        status, diagnostic = statuses.get(address, ("", ""))
        kind = _kind(status, permanent=address.encode() in {p.lower() for p in permanent})
        said = diagnostic if status and status in diagnostic else " ".join(x for x in (status, diagnostic) if x)
        detail = said or ("permanent failure" if kind == HARD else "temporary failure")
        found.append(Found(address, kind, detail[:500], recipient_id, message_id or None))
    if not found and recipient_id is not None and _part(message, "message/delivery-status") is not None:
        # A DSN naming no readable address, sent to a VERP return path: the recipient row says who.
        status, diagnostic = next(iter(statuses.values()), ("", ""))
        if status:
            found.append(Found("", _kind(status, permanent=status.startswith("5")),
                               f"{status} {diagnostic}".strip(), recipient_id, message_id or None))
    if not found:
        return Reading("other", why="not a bounce: no failed address found in it")
    return Reading("bounce", found)


def _kind(status: str, *, permanent: bool) -> str:
    """5.x.x is hard, 4.x.x soft; a full mailbox (x.2.2) is soft whatever its class."""
    if re.match(r"^[245]\.2\.2$", status):
        return SOFT
    if status[:1] in ("4", "5"):
        return HARD if status[0] == "5" else SOFT
    return HARD if permanent else SOFT


def _complaint(report: Message, original: Message | None, recipient_id, message_id) -> Reading:
    fields = _fields(report)
    kind = (fields.get("feedback-type") or "abuse").strip().lower()
    if kind not in ("abuse", "fraud", "virus", "other", ""):
        return Reading("other", why=f"a feedback report of type “{kind}”, not a complaint: ignored")
    addresses = [parseaddr(v)[1] for v in fields.get_all("original-rcpt-to") or []] if fields else []
    if not addresses and original is not None:
        addresses = [a for _, a in getaddresses(original.get_all("To") or [])]
    addresses = [a.lower() for a in addresses if "@" in a]
    if not addresses and recipient_id is None:
        return Reading("other", why="a feedback report naming no address: nothing done")
    agent = _text(fields.get("user-agent")) or "a mail provider"
    detail = f"feedback report ({kind}) from {agent}"
    return Reading("complaint", [Found(a, COMPLAINT, detail, recipient_id, message_id or None)
                                 for a in (addresses or [""])])


def _part(message: Message, content_type: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part
    return None


def _fields(part: Message) -> Message:
    """The fields of a message/feedback-report part (one block of headers)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload else Message()
    return HeaderParser().parsestr(payload or "")


def _original_headers(message: Message) -> Message | None:
    """The headers of the message that bounced, when the report quotes them."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        if kind == "text/rfc822-headers":
            text = part.get_payload(decode=True) or b""
            return HeaderParser().parsestr(text.decode("utf-8", "replace"))
    return None


def _verp(message: Message, original: Message | None) -> int | None:
    """The recipient id of a VERP address the report was sent to (or, in a
    quoted original, its return path)."""
    candidates = []
    for name in ("X-Original-To", "Delivered-To", "Envelope-To", "To"):
        candidates += [a for _, a in getaddresses(message.get_all(name) or [])]
    if original is not None:
        candidates += [a for _, a in getaddresses(original.get_all("Return-Path") or [])]
    for address in candidates:
        found = verp.read(address)
        if found is not None:
            return found
    return None


def _statuses(message: Message) -> dict[str, tuple[str, str]]:
    """{address: (Status, Diagnostic-Code)} from the delivery-status part."""
    out = {}
    part = _part(message, "message/delivery-status")
    if part is None or not part.is_multipart():
        return out
    for block in part.get_payload():
        if not isinstance(block, Message):
            continue
        address = ""
        for name in ("Original-Recipient", "Final-Recipient"):
            value = _text(block.get(name))
            if value:
                address = parseaddr(value.split(";", 1)[-1].strip())[1].lower() or address
        if not address:
            continue
        status = _text(block.get("Status")).split(" ", 1)[0]
        diagnostic = _text(block.get("Diagnostic-Code")).split(";", 1)[-1].strip()
        out[address] = (status if re.match(r"^\d\.\d{1,3}\.\d{1,3}$", status) else "", diagnostic[:400])
    return out


def _auto_reply(message: Message) -> bool:
    auto = _text(message.get("Auto-Submitted")).lower()
    if auto.startswith("auto-replied"):
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if _text(message.get("Precedence")).lower() == "auto_reply":
        return True
    return bool(AUTO_SUBJECT.match(_text(message.get("Subject"))))


def _text(value) -> str:
    if value is None:
        return ""
    try:
        return " ".join(str(email.header.make_header(email.header.decode_header(str(value)))).split())
    except Exception:  # noqa: BLE001 - a header too broken to decode: as it stands
        return " ".join(str(value).split())
