"""The delivery job: send stored messages over SMTP, one connection per batch,
retrying temporary failures with backoff."""

from __future__ import annotations

import json
import smtplib
from datetime import timedelta

from flask import current_app
from flask_mail import Attachment, Message

from app.extensions import db
from app.jobs import enqueue, job_progress
from app.mail import server
from app.mail.service import DELIVER
from app.models import MailMessage
from app.models.base import utcnow

BACKOFF_BASE = 60  # seconds; doubles each attempt
BACKOFF_MAX = 6 * 3600


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def _permanent(error: Exception) -> bool:
    """5xx answers are permanent; 4xx and connection trouble are temporary."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _flask_message(message: MailMessage) -> Message:
    headers = json.loads(message.headers) if message.headers else {}
    # A "Cc" header (helpdesk replies to a ticket's CC participants) is a
    # real copy: Flask-Mail writes the header and sends to those addresses too.
    cc = [a.strip() for a in headers.pop("Cc", "").split(",") if a.strip()]
    # A "From" header (a campaign's test send, from its verified sender) replaces the default sender.
    sender = headers.pop("From", "") or server.sender()
    msg = Message(
        subject=message.subject, recipients=[message.recipient], body=message.text_body,
        html=message.html_body, sender=sender, cc=cc or None,
        attachments=[Attachment(a.filename, a.content_type, a.data) for a in message.attachments],
        extra_headers=headers or None,
    )
    msg.msgId = message.message_id
    return msg


def _fail(message: MailMessage, error: Exception, max_attempts: int) -> bool:
    """Record a failure; True when it should be tried again later."""
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if _permanent(error) or message.attempts >= max_attempts:
        message.status = MailMessage.FAILED
        message.next_attempt_at = None
        return False
    message.next_attempt_at = utcnow() + backoff(message.attempts)
    return True


def deliver(job, ids: list[int]) -> dict:
    if server.current() is None:
        return {"sent": 0, "note": "delivery is off: no mail server is set"}
    messages = db.session.scalars(
        db.select(MailMessage).where(MailMessage.id.in_(ids), MailMessage.status == MailMessage.QUEUED)
        .order_by(MailMessage.id)
    ).all()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    sent, retry, handled = 0, [], set()
    try:
        with server.connect() as connection:
            for message in messages:
                handled.add(message.id)
                try:
                    connection.send(_flask_message(message))
                except smtplib.SMTPServerDisconnected:
                    handled.discard(message.id)
                    raise
                except (smtplib.SMTPException, OSError) as error:
                    if _fail(message, error, max_attempts):
                        retry.append(message)
                else:
                    message.status, message.sent_at, message.last_error = MailMessage.SENT, utcnow(), None
                    message.attempts += 1
                    sent += 1
                job_progress(job, len(handled), len(messages))
    except (smtplib.SMTPException, OSError) as error:
        # The server is unreachable or dropped us: the rest waits for a retry.
        for message in messages:
            if message.id not in handled and _fail(message, error, max_attempts):
                retry.append(message)
    db.session.commit()
    if retry:
        wait = min(backoff(m.attempts) for m in retry)
        enqueue(DELIVER, f"Retry {len(retry)} message(s)", {"ids": [m.id for m in retry]},
                delay=wait)
        db.session.commit()
    failed = sum(1 for m in messages if m.status == MailMessage.FAILED)
    return {"sent": sent, "retrying": len(retry), "failed": failed}
