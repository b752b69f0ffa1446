"""Shared set-up for the bounce tests: the corpus of real-shaped reports
(tests/modules/marketing/mail/), a sent campaign with recipient rows (made
directly: the sending engine is built elsewhere), and what the database
holds afterwards."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from modules.contacts.models import Activity
from modules.marketing import verp
from modules.marketing.campaign_models import SENT, SENT_ROW, Campaign, Event, Recipient
from modules.marketing.models import Bounce, Suppression

MAIL = Path(__file__).parent / "mail"


def report(name: str, *, recipient_id: int | None = None, message_id: str = "none@example.org") -> bytes:
    """A corpus file with its VERP token and the original Message-ID filled in."""
    text = (MAIL / f"{name}.eml").read_text()
    token = verp.make_token(recipient_id) if recipient_id is not None else "rzz-0000000000000000"
    return text.replace("{VERP}", token).replace("{MSGID}", message_id).replace("\n", "\r\n").encode()


def campaign(name: str, addresses: dict[str, int | None]) -> dict[str, Recipient]:
    """A sent campaign; {address: contact id}. Returns {address: recipient row}."""
    row = Campaign(name=name, subject=name, status=SENT, audience={})
    db.session.add(row)
    db.session.flush()
    out = {}
    for number, (email, contact_id) in enumerate(addresses.items(), 1):
        out[email] = Recipient(campaign_id=row.id, contact_id=contact_id, email=email, status=SENT_ROW,
                               message_id=f"<c{row.id}.r{number}@mail.example.org>")
        db.session.add(out[email])
    db.session.commit()
    return out


def suppressed() -> dict[str, str]:
    return dict(db.session.execute(select(Suppression.email, Suppression.reason).order_by(Suppression.email)).all())


def events() -> list[tuple[str, str, str]]:
    """(campaign name, address, kind) of every event."""
    return [tuple(r) for r in db.session.execute(
        select(Campaign.name, Recipient.email, Event.kind).join(Recipient, Recipient.id == Event.recipient_id)
        .join(Campaign, Campaign.id == Event.campaign_id).order_by(Event.id))]


def bounces() -> list[tuple[str, str, str]]:
    return [tuple(r) for r in db.session.execute(select(Bounce.email, Bounce.kind, Bounce.source).order_by(Bounce.id))]


def notes(contact_id: int) -> list[str]:
    """The timeline lines about an address (not "Created person")."""
    return list(db.session.scalars(select(Activity.subject).where(
        Activity.contact_id == contact_id, Activity.subject.contains("@")).order_by(Activity.id)))
