"""Public sign-up with double opt-in.

`start` stores a pending sign-up and emails a signed, expiring
confirmation link through the core mail service. `confirm` (a POST from
the confirmation page, never a GET) matches the contact by email or creates
one, subscribes it and writes the consent with the wording the form
showed, the source, the time and the IP address. Confirming is idempotent:
the pending row is locked and marked, so a second confirmation (a double
click, a second tab) subscribes nobody twice and writes no second ledger row.

Matching: a live contact holding the address (the oldest when several do);
else a contact in the trash holding it, which is restored (the person has
just proved the address is theirs); else a new person. An erased contact
keeps only a keyed hash of its addresses, so it never matches: the sign-up
is a new, freely given consent and makes a new contact, never revives the
tombstone.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import delete, select

from app import mail
from app.database import hold_row_lock
from app.extensions import db
from app.links import external_url
from app.models.base import utcnow
from modules.contacts.models import Activity, Contact, ContactEmail
from modules.contacts.people import records
from modules.marketing import signals, subscriptions, tokens
from modules.marketing.models import PendingSignup, Topic

SOURCE = subscriptions.SIGN_UP
CATEGORY = "marketing.confirm_signup"


def prune() -> int:
    """Delete the sign-ups whose link has expired, confirmed or not: what they
    held is in the contact and its consent history, or was never confirmed
    and must not be kept (an address and an IP). Run with every new sign-up."""
    cutoff = utcnow() - timedelta(days=tokens.CONFIRM_DAYS)
    return db.session.execute(delete(PendingSignup).where(PendingSignup.created_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount or 0


def start(topic: Topic, email: str, first_name: str, last_name: str, wording: str, ip: str | None) -> PendingSignup:
    """Store the sign-up and queue its confirmation email (the caller commits)."""
    prune()
    signup = PendingSignup(topic_id=topic.id, key=tokens.new_key(), email=email.strip().lower(),
                           first_name=first_name.strip()[:100], last_name=last_name.strip()[:100],
                           wording=wording, ip=ip)
    db.session.add(signup)
    db.session.flush()
    link = external_url("marketing.confirm", token=tokens.confirm_token(signup))
    context = {"topic": topic, "signup": signup, "link": link, "days": tokens.CONFIRM_DAYS}
    mail.send(signup.email, f"Confirm your subscription to {topic.name}",
              render_template("marketing/email/confirm.txt", **context),
              render_template("marketing/email/confirm.html", **context), category=CATEGORY)
    return signup


def match_contact(email: str) -> Contact | None:
    """The contact that holds `email`: live first, then in the trash (oldest first)."""
    rows = db.session.execute(select(Contact.id, Contact.deleted_at).join(
        ContactEmail, ContactEmail.contact_id == Contact.id).where(ContactEmail.email == email.strip().lower())
        .order_by(Contact.id)).all()
    live = [cid for cid, deleted in rows if deleted is None]
    chosen = live[0] if live else (rows[0][0] if rows else None)
    return records.load(chosen, deleted=True) if chosen is not None else None


def confirm(signup: PendingSignup, ip: str | None) -> tuple[Contact | None, bool]:
    """Confirm `signup`; (contact, True) the first time, (contact, False)
    when it was confirmed already. The caller commits."""
    hold_row_lock(signup)  # a second confirmation waits here, then sees confirmed_at
    signup = db.session.get(PendingSignup, signup.id)
    if signup.confirmed_at is not None:
        return (db.session.get(Contact, signup.contact_id) if signup.contact_id else None), False
    topic = db.session.get(Topic, signup.topic_id)
    contact = match_contact(signup.email)
    if contact is None:
        details = records.Details(emails=[{"email": signup.email, "label": "", "is_primary": True}])
        values = {"first_name": signup.first_name, "last_name": signup.last_name, "source": SOURCE,
                  "owner_id": None}
        if not (signup.first_name or signup.last_name):
            values["first_name"] = signup.email.split("@", 1)[0][:100]
        contact = records.create("person", values, details, user=None)
    elif contact.deleted_at is not None:
        records.restore([contact], user=None)
        db.session.add(Activity(contact_id=contact.id, kind="change",
                                subject=f"Restored from the trash: confirmed a sign-up to {topic.name}"))
    subscriptions.change(contact, topic, True, subscriptions.Origin(SOURCE, ip=ip, wording=signup.wording))
    signup.confirmed_at, signup.contact_id = utcnow(), contact.id
    signals.signup_confirmed.send(contact, topic=topic)
    return contact, True
