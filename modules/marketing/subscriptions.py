"""Subscribing and unsubscribing: the current state in
`marketing_subscription`, and every change also in the contacts consent
ledger (topic "marketing:<id>", with its source, wording, who and IP).

One function changes a subscription, whoever asks: staff on the contact
page, the person on their preference page or a one-click unsubscribe, a
confirmed sign-up. A change to the state it already has writes nothing, so
a repeated click or a second confirmation adds no ledger row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from app import audit
from app.database import hold_row_lock
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import OPT_IN, OPT_OUT, ConsentEntry, Contact, ContactEmail
from modules.marketing import signals
from modules.marketing.models import SUBSCRIBED, UNSUBSCRIBED, UNSUBSCRIBED_ALL, Subscription, Topic
from modules.marketing.suppressions import lift, suppress

STAFF, PREFERENCE_PAGE, ONE_CLICK, SIGN_UP = "staff", "preference page", "one-click unsubscribe", "sign-up form"


@dataclass(frozen=True)
class Origin:
    """Who or what made a change, as the ledger records it."""

    source: str
    user: object | None = None
    ip: str | None = None
    wording: str = ""


def states(contact_id: int) -> dict[int, Subscription]:
    """{topic id: subscription row} for one contact."""
    rows = db.session.scalars(select(Subscription).where(Subscription.contact_id == contact_id))
    return {row.topic_id: row for row in rows}


def subscribed_ids(contact_id: int) -> set[int]:
    return {tid for tid, row in states(contact_id).items() if row.status == SUBSCRIBED}


def change(contact: Contact, topic: Topic, subscribed: bool, origin: Origin) -> bool:
    """Set `contact`'s subscription to `topic`; True when it changed (the
    caller commits). A ledger row is written for each change."""
    wanted = SUBSCRIBED if subscribed else UNSUBSCRIBED
    # Two changes at once (a double click, two tabs) wait for each other here,
    # so the second sees the first's row instead of inserting a second one.
    db.session.flush()  # the lock forgets what the session loaded: unsaved changes must not go with it
    hold_row_lock(contact)
    row = db.session.scalar(select(Subscription).where(Subscription.contact_id == contact.id,
                                                       Subscription.topic_id == topic.id))
    if row is not None and row.status == wanted:
        return False
    before = None if row is None else row.status
    if row is None:
        if not subscribed:
            return False  # never subscribed: nothing to leave
        row = Subscription(contact_id=contact.id, topic_id=topic.id)
        db.session.add(row)
    row.status, row.source, row.changed_at = wanted, origin.source, utcnow()
    wording = origin.wording or (topic.consent_wording if subscribed else "")
    db.session.add(ConsentEntry(contact_id=contact.id, status=OPT_IN if subscribed else OPT_OUT,
                                source=origin.source, wording=wording, topic=topic.key, ip=origin.ip,
                                user_id=getattr(origin.user, "id", None)))
    verb = "Subscribed to" if subscribed else "Unsubscribed from"
    audit.record(audit.UPDATE, contact, user=origin.user, actor=None if origin.user else origin.source,
                 summary=f"{verb} “{topic.name}” ({origin.source})",
                 changes={f"topic: {topic.name}": (before, wanted)})
    if subscribed:
        # Asking for a topic again takes back "unsubscribe from everything".
        lift(addresses(contact.id), reason_only=True)
    signals.subscription_changed.send(contact, topic=topic, subscribed=subscribed, source=origin.source)
    return True


def unsubscribe_all(contact: Contact, origin: Origin) -> int:
    """Leave every topic and put the contact's addresses on the suppression
    list ("unsubscribed from everything"); returns how many topics it left."""
    topics = db.session.scalars(select(Topic).join(Subscription, Subscription.topic_id == Topic.id)
                                .where(Subscription.contact_id == contact.id,
                                       Subscription.status == SUBSCRIBED).order_by(Topic.id)).all()
    left = sum(change(contact, topic, False, origin) for topic in topics)
    for email in addresses(contact.id):
        suppress(email, UNSUBSCRIBED_ALL, note=origin.source, user=origin.user)
    return left


def addresses(contact_id: int) -> list[str]:
    """The contact's email addresses, lower-cased."""
    emails = db.session.scalars(select(ContactEmail.email).where(ContactEmail.contact_id == contact_id,
                                                                 ContactEmail.label != "erased"))
    return sorted({e.strip().lower() for e in emails if e and "@" in e})


def move(survivor_id: int, merged_id: int) -> None:
    """Merge: the merged contact's subscriptions go to the survivor. Where both
    hold one for the same topic, the later decision stands."""
    mine = states(survivor_id)
    for row in db.session.scalars(select(Subscription).where(Subscription.contact_id == merged_id)).all():
        kept = mine.get(row.topic_id)
        if kept is None:
            row.contact_id = survivor_id
            continue
        if row.changed_at > kept.changed_at:
            kept.status, kept.source, kept.changed_at = row.status, row.source, row.changed_at
        db.session.delete(row)
    db.session.flush()


def end_all(contact_id: int) -> None:
    """Erasure: every subscription of the contact ends (the rows stay, for counts)."""
    db.session.execute(update(Subscription).where(Subscription.contact_id == contact_id,
                                                  Subscription.status == SUBSCRIBED)
                       .values(status=UNSUBSCRIBED, source="erasure", changed_at=utcnow()))
