"""`flask helpdesk ...`: set up mailboxes and teams from the shell, for
scripted installs. Mail itself comes in through the core: polled over IMAP,
or piped with `flask mail receive NAME` (or its alias `flask helpdesk ingest
--mailbox NAME`; docs/helpdesk.md)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app import schedules
from app.extensions import db

KIND = "helpdesk.tickets"
SECURITY = {"imaps": ("ssl", 993), "imap": ("starttls", 143), "imap+plain": ("none", 143)}


@click.group(help="Helpdesk: mailboxes and teams.")
def group():
    pass


@group.group("mailbox", help="Mailboxes that turn mail into tickets.")
def mailbox_group():
    pass


def imap_settings(url: str) -> dict:
    """imaps://user:password@host[:port][/folder] (imap://: STARTTLS; imap+plain://: no TLS, for tests)."""
    parts = urlsplit(url)
    if parts.scheme not in SECURITY or not parts.hostname:
        raise click.BadParameter("give imaps://user:password@host[:port][/folder] "
                                 "(imap:// for STARTTLS on 143)", param_hint="--imap-url")
    security, port = SECURITY[parts.scheme]
    return {"host": parts.hostname, "port": parts.port or port, "security": security,
            "username": unquote(parts.username or ""), "password": unquote(parts.password or ""),
            "folder": unquote(parts.path.lstrip("/")) or "INBOX"}


@mailbox_group.command("add")
@click.argument("name")
@click.option("--address", required=True, help="The address customers write to (replies say Reply-To it).")
@click.option("--team", "team_name", help="The team (queue) it feeds; made if there is none of that name.")
@click.option("--imap-url", help="Poll this IMAP folder; leave out when the mail server pipes mail in.")
@with_appcontext
def mailbox_add(name: str, address: str, team_name: str | None, imap_url: str | None):
    """Add mailbox NAME of the kind "Helpdesk tickets"."""
    from app.models import Mailbox
    from modules.helpdesk.models import Team

    if db.session.scalar(select(Mailbox.id).where(func.lower(Mailbox.name) == name.lower())):
        raise click.ClickException(f"There is already a mailbox named {name!r}.")
    settings = imap_settings(imap_url) if imap_url else {"host": "", "port": 993, "security": "ssl",
                                                         "username": "", "password": "", "folder": "INBOX"}
    box = Mailbox(name=name, kind=KIND, active=True, after="seen", move_to="", last_uid=0, **settings)
    db.session.add(box)
    db.session.flush()
    team_name = team_name or name
    team = db.session.scalar(select(Team).where(Team.name == team_name))
    if team is None:
        team = Team(name=team_name, acknowledge=False)
        db.session.add(team)
    team.address, team.mailbox_id = address.strip().lower(), box.id
    if imap_url:
        from app.intake import polling

        schedules.wake(polling.NAME)
    db.session.commit()
    how = f"polled at {settings['host']}" if imap_url else f"piped in: flask mail receive {name!r}"
    click.echo(f"Mailbox {name!r} feeds the team {team.name!r} ({team.address}); mail is {how}.")


@group.command("ingest")
@click.option("--mailbox", "mailbox", required=True, help="The mailbox's name or number (Admin → Mailboxes).")
@click.pass_context
def ingest(ctx: click.Context, mailbox: str):
    """Take the message on standard input into MAILBOX: the same as `flask
    mail receive MAILBOX` (one intake path, the same exit codes), under the
    name a Postfix pipe for the helpdesk is usually written with."""
    from app.intake.cli import receive

    ctx.invoke(receive, mailbox=mailbox)
