"""Helpdesk test fixtures: a real Dovecot (tests/imap.py) with a
"support" mailbox feeding the Supporter care team, the corpus of .eml
files under mail/, and the SMTP server and job runner the browser tests use."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.intake import polling
from modules.helpdesk.models import Team
from tests.browser.conftest import run_jobs, smtp  # noqa: F401
from tests.imap import IMAPServer

MAIL = Path(__file__).parent / "mail"
DOMAIN = "charity.example"


def eml(name: str, **values) -> bytes:
    """A corpus message with its placeholders filled, with CRLF line ends as on the wire."""
    text = (MAIL / name).read_text(encoding="latin-1")
    for key, value in values.items():
        if "{" + key + ":02d}" in text:
            text = text.replace("{" + key + ":02d}", f"{int(value):02d}")
        text = text.replace("{" + key + "}", str(value))
    assert "{reply_id}" not in text and "{number}" not in text, f"{name} needs reply_id/number"
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("latin-1")


@pytest.fixture(scope="module")
def imap():
    with IMAPServer(users={"support": "support-pass-1"}) as server:
        yield server


@pytest.fixture
def inbox(imap):
    return imap.empty("support")


@pytest.fixture
def own_domain(app):
    saved = app.config.get("MAIL_DOMAIN")
    app.config["MAIL_DOMAIN"] = DOMAIN
    yield DOMAIN
    app.config["MAIL_DOMAIN"] = saved


@pytest.fixture
def mailroom(app, inbox, own_domain):
    """The "support" IMAP mailbox of kind helpdesk.tickets and its team;
    `deliver(raw, ...)` appends to Dovecot and polls. Holds no app context
    between calls, so test-client requests get their own (their own `g`)."""
    with app.app_context():
        box = inbox.mailbox("helpdesk.tickets", "support", "Support")
        db.session.add(box)
        db.session.flush()
        team = Team(name="Supporter care", address="support@charity.example", mailbox_id=box.id,
                    acknowledge=False)
        db.session.add(team)
        db.session.commit()
        ids = box.id, team.id

    class Mailroom:
        mailbox_id, team_id = ids

        @staticmethod
        def deliver(*raws: bytes) -> str:
            for raw in raws:
                inbox.append("support", raw)
            with app.app_context():
                return polling.poll_all()

    return Mailroom


@pytest.fixture
def desk(ctx, mailroom):
    """`mailroom` for tests that hold an app context throughout (no test client)."""
    return mailroom
