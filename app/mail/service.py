"""Store messages in the outbox and queue their delivery."""

from __future__ import annotations

import json
from email.utils import make_msgid

from flask import current_app

from app.extensions import db
from app.jobs import enqueue
from app.models import MailAttachment, MailMessage
from app.models.base import utcnow

BATCH = 200  # messages per delivery job; one SMTP connection per job
DELIVER = "core.deliver_mail"


def delivery_enabled() -> bool:
    """A mail server is set: in the environment, or in Admin → Mail server."""
    from app.mail import server

    return server.current() is not None


def _domain() -> str:
    config = current_app.config
    if config.get("MAIL_DOMAIN"):
        return config["MAIL_DOMAIN"]
    from app.mail import server

    sender = server.sender()
    return sender.rsplit("@", 1)[-1].strip(">") or "localhost"


def domain() -> str:
    """The domain of Steward's own Message-IDs (inbound mail recognises its own by it)."""
    return _domain()


def _message(recipient: str, subject: str, text: str, html: str | None, category: str,
             attachments=(), headers: dict[str, str] | None = None) -> MailMessage:
    message = MailMessage(
        recipient=recipient, subject=subject, text_body=text, html_body=html,
        category=category, message_id=make_msgid(domain=_domain()),
        headers=json.dumps(headers) if headers else None,
    )
    for filename, content_type, data in attachments:
        message.attachments.append(MailAttachment(filename=filename, content_type=content_type, data=data))
    db.session.add(message)
    return message


def send(recipient: str, subject: str, text: str, html: str | None = None, *,
         category: str = "", attachments=(), queue: bool = True,
         headers: dict[str, str] | None = None) -> MailMessage:
    """Store one message and queue its delivery when the caller commits.

    `queue=False` only stores it: a caller writing many messages, each with
    its own attachments (a batch of letters), passes them all to `schedule`
    afterwards, so they go in one delivery job per `BATCH`, not one each.
    `headers`: extra headers (In-Reply-To, References, Reply-To,
    Auto-Submitted), sent as given; "Cc" (comma-separated addresses) also
    delivers a copy to each of them; "From" replaces the default sender (only
    for an address the organisation has verified, such as a campaign's)."""
    message = _message(recipient, subject, text, html, category, attachments, headers)
    db.session.flush()
    if queue:
        schedule([message])
    return message


def send_many(items, *, category: str = "", attachments=()) -> list[MailMessage]:
    """Store `(recipient, subject, text, html)` messages; one job per batch."""
    messages = [_message(r, s, t, h, category, attachments) for r, s, t, h in items]
    db.session.flush()
    schedule(messages)
    return messages


def schedule(messages: list[MailMessage]) -> None:
    """Queue the delivery of stored messages, one job per `BATCH`, when
    delivery is on; otherwise they stay held (see `release_held`)."""
    if delivery_enabled() and messages:
        _schedule(messages)


def _schedule(messages: list[MailMessage]) -> None:
    """Queue delivery jobs. A queued message without `next_attempt_at` is
    held: it was stored while delivery was off and no job carries it."""
    now = utcnow()
    for message in messages:
        message.next_attempt_at = now
    for start in range(0, len(messages), BATCH):
        ids = [m.id for m in messages[start:start + BATCH]]
        enqueue(DELIVER, f"Deliver {len(ids)} message(s)", {"ids": ids})


def release_held() -> int:
    """Queue the messages stored while delivery was off (a worker calls this
    when it starts, so setting MAIL_SERVER and restarting sends them; saving
    a server in Admin → Mail server calls it too)."""
    if not delivery_enabled():
        return 0
    held = db.session.scalars(
        db.select(MailMessage).where(MailMessage.status == MailMessage.QUEUED,
                                     MailMessage.next_attempt_at.is_(None)).order_by(MailMessage.id)
    ).all()
    _schedule(held)
    db.session.commit()
    return len(held)
