"""Take one message into a mailbox: store it once per Message-ID, then hand
it to the handler of the mailbox's kind.

The message row is committed before the handler runs, so a message is
never handled twice because it was fetched twice, and a crash in the
handler leaves a row that says "received, not handled" for an admin to
retry. The handler's own changes commit with its outcome, or are rolled
back with its error recorded."""

from __future__ import annotations

import hashlib
import logging
import traceback
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.database import commit_without_waiting_for_disk
from app.extensions import db
from app.models import InboundMessage, Mailbox
from app.models.base import utcnow

log = logging.getLogger(__name__)


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a malformed one reads as empty rather than stopping the intake."""
    try:
        return str(message.get(name) or "").strip()
    except (ValueError, TypeError, IndexError):
        return ""


def message_key(raw: bytes, message: EmailMessage | None = None) -> str:
    """Its Message-ID, or a hash of its bytes for the few messages without one."""
    message = message if message is not None else parse(raw)
    found = _header(message, "Message-ID").strip("<> \t")
    if found and len(found) <= 240:
        return found
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def max_bytes() -> int:
    return current_app.config.get("INTAKE_MAX_BYTES", 25 * 1024 * 1024)


def take(mailbox: Mailbox, raw: bytes, *, last_uid: int | None = None,
         size: int | None = None) -> InboundMessage | None:
    """Store and handle one message; None when this mailbox already has it.
    `last_uid`: the IMAP UID it came with, saved as the mailbox's progress
    in the same commit, so a poll never fetches it again. `size`: the
    message's real size when `raw` holds only its header (one too big to
    fetch)."""
    message = parse(raw)
    key = message_key(raw, message)
    if db.session.scalar(select(InboundMessage.id).where(InboundMessage.mailbox_id == mailbox.id,
                                                         InboundMessage.message_key == key)):
        _advance(mailbox, last_uid)
        return None
    size = size or len(raw)
    too_big = size > max_bytes()
    inbound = InboundMessage(mailbox_id=mailbox.id, message_key=key, size=size,
                             from_address=parseaddr(_header(message, "From"))[1][:320],
                             subject=_header(message, "Subject")[:300], raw=None if too_big else raw,
                             status=InboundMessage.RECEIVED, outcome="", attempts=1)
    db.session.add(inbound)
    _advance(mailbox, last_uid)
    kind = mailbox.kind
    # Not waiting for the disk here: the handler's commit, which does, makes this durable too, and a
    # database crash before it loses the message and the mailbox's progress together (fetched again).
    commit_without_waiting_for_disk(db.session)
    try:
        db.session.commit()
    except IntegrityError:  # the other route (pipe or poll) stored it a moment ago
        db.session.rollback()
        return None
    if too_big:
        _finish(inbound, error=f"The message is {_size(size)}; the limit is {_size(max_bytes())} "
                              "(INTAKE_MAX_BYTES), so it was not read.")
        return inbound
    _handle(inbound, message, kind)
    return inbound


def retry(inbound: InboundMessage) -> bool:
    """Run the handler again on a stored message that failed or never finished."""
    if inbound.raw is None or inbound.status == InboundMessage.HANDLED:
        return False
    inbound.attempts += 1
    db.session.commit()
    _handle(inbound, parse(inbound.raw), inbound.mailbox.kind)
    return inbound.status == InboundMessage.HANDLED


def _size(count: int) -> str:
    return f"{count / 1_048_576:.1f} MB" if count >= 1_048_576 else f"{max(1, round(count / 1024))} KB"


def _advance(mailbox: Mailbox, last_uid: int | None) -> None:
    if last_uid is not None and last_uid > (mailbox.last_uid or 0):
        mailbox.last_uid = last_uid


def _handle(inbound: InboundMessage, message: EmailMessage, kind_name: str) -> None:
    inbound_id = inbound.id
    kind = current_app.extensions["steward"].mailbox_kinds.get(kind_name)
    if kind is None:
        _finish(inbound, error=f"No enabled module reads mailboxes of the kind “{kind_name}”; is it disabled?")
        return
    try:
        outcome = kind.handle(message, inbound)
        inbound.status, inbound.outcome, inbound.error = InboundMessage.HANDLED, str(outcome or "")[:2000], None
        inbound.handled_at = utcnow()
        db.session.commit()
    except Exception:  # the module's failure: keep the message and say why
        db.session.rollback()
        log.exception("Handling inbound message %s failed", inbound_id)
        _finish(db.session.get(InboundMessage, inbound_id), error=traceback.format_exc(limit=8))


def _finish(inbound: InboundMessage, *, error: str) -> None:
    inbound.status, inbound.error, inbound.handled_at = InboundMessage.FAILED, error, utcnow()
    db.session.commit()
