"""The recurring schedule "core.mailboxes": poll every active IMAP mailbox
of an enabled kind, and drop the bytes of messages handled long ago."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import InboundMessage, Mailbox
from app.models.base import utcnow
from app.schedules import Ran

NAME = "core.mailboxes"


def pollable():
    kinds = list(current_app.extensions["steward"].mailbox_kinds)
    return db.session.scalars(select(Mailbox).where(Mailbox.active.is_(True), Mailbox.host != "",
                                                    Mailbox.kind.in_(kinds)).order_by(Mailbox.id)).all()


def poll_all() -> Ran | str:
    from app.intake import imap  # IMAPClient, only in the worker

    mailboxes = pollable()
    pruned = prune()
    if not mailboxes:  # nothing to read: sleep till a mailbox is saved (it wakes us)
        return Ran("no mailbox to read", utcnow() + timedelta(days=1))
    new = failed = 0
    problems = []
    for mailbox in mailboxes:
        result = imap.poll(mailbox)
        new, failed = new + result.new, failed + result.failed
        if result.error:
            problems.append(f"{mailbox.name}: {result.error}")
    summary = f"{len(mailboxes)} mailbox(es): {new} new message(s)" + (f", {failed} failed" if failed else "")
    if pruned:
        summary += f"; dropped the bytes of {pruned} old message(s)"
    return "; ".join([summary, *problems])


def prune() -> int:
    """Handled messages keep their row (for the Message-ID check and the log) but not their bytes."""
    before = utcnow() - timedelta(days=current_app.config.get("INTAKE_KEEP_DAYS", 30))
    done = db.session.execute(update(InboundMessage).where(
        InboundMessage.status == InboundMessage.HANDLED, InboundMessage.raw.is_not(None),
        InboundMessage.handled_at < before).values(raw=None))
    db.session.commit()
    return done.rowcount
