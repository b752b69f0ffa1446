"""`flask mail receive MAILBOX`: take one message from standard input, for a
mail server that pipes mail to Steward instead of Steward polling IMAP
(Postfix: a `pipe` transport or an alias `"|/srv/steward/.venv/bin/flask
--app wsgi mail receive Bounces"`). Exit codes follow sysexits.h, which
mail servers read: 0 taken (or already had), 67 no such mailbox (bounce
it), 75 a passing problem (the server keeps the message and tries again)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

EX_NOUSER, EX_TEMPFAIL = 67, 75


@click.group("mail", help="Inbound mail (Admin → Mailboxes).")
def mail_group():
    pass


@mail_group.command("receive")
@click.argument("mailbox")
@with_appcontext
def receive(mailbox: str):
    """Take the message on standard input into MAILBOX (its name or number)."""
    from app.extensions import db
    from app.intake import take
    from app.models import InboundMessage, Mailbox

    found = db.session.scalar(select(Mailbox).where(
        Mailbox.id == int(mailbox) if mailbox.isdigit() else func.lower(Mailbox.name) == mailbox.lower()))
    if found is None:
        click.echo(f"steward: there is no mailbox {mailbox!r} (Admin → Mailboxes)", err=True)
        sys.exit(EX_NOUSER)
    raw = sys.stdin.buffer.read()
    if not raw.strip():
        click.echo("steward: standard input held no message", err=True)
        sys.exit(EX_NOUSER)
    try:
        inbound = take(found, raw)
    except OperationalError as error:  # the database is away or locked: let the mail server retry
        click.echo(f"steward: could not store the message now ({error.orig}); try again later", err=True)
        sys.exit(EX_TEMPFAIL)
    if inbound is None:
        click.echo("Already had this message; nothing done.")
    elif inbound.status == InboundMessage.HANDLED:
        click.echo(f"Taken as message {inbound.id}: {inbound.outcome or 'handled'}")
    else:  # stored: an admin sees the failure and can retry; the mail server must not resend
        click.echo(f"Taken as message {inbound.id}, but its module failed; see Admin → Mailboxes.")
