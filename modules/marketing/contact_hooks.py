"""What marketing adds to contacts: the Subscriptions panel on the contact
page, the "subscribed to topic" criterion of the filter builder, topic names
for the consent history, and its part in merges and privacy requests.

Merge: subscriptions move to the survivor (where both hold one for a topic,
the later decision stands); preference keys move too, so links mailed to
the merged contact keep working; their consent history moves with the
contacts ledger. Erase: subscriptions end (the rows stay, so counts stay),
pending sign-ups for the contact's addresses and its preference keys are
deleted (its old links stop working). The suppression list keeps its
addresses: an address that asked never to be mailed stays suppressed.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.ids import parse_id
from modules.contacts.hooks import FilterSpec, Panel
from modules.contacts.models import Contact, ContactEmail
from modules.marketing import engagement, subscriptions, topics
from modules.marketing.bounce_models import BOUNCE_KINDS, Bounce
from modules.marketing.campaign_models import Recipient
from modules.marketing.models import (
    SUBSCRIBED,
    SUPPRESSION_REASONS,
    PendingSignup,
    PreferenceKey,
    Subscription,
    Suppression,
    Topic,
)
from modules.marketing.tracking import privacy as campaign_history


def subscriptions_panel(contact: Contact) -> str:
    """One query: every topic with this contact's state for it (live topics,
    and archived ones the contact has a state for), each row also naming the
    first of the contact's addresses on the suppression list, if any."""
    sub = aliased(Subscription)
    suppressed = (select(Suppression.email, Suppression.reason).join(
        ContactEmail, ContactEmail.email == Suppression.email).where(ContactEmail.contact_id == contact.id)
        .order_by(Suppression.id).limit(1))
    first = suppressed.subquery()
    rows = db.session.execute(
        select(Topic, sub.status, sub.source, sub.changed_at,
               select(first.c.email).scalar_subquery(), select(first.c.reason).scalar_subquery())
        .outerjoin(sub, and_(sub.topic_id == Topic.id, sub.contact_id == contact.id))
        .where(or_(Topic.archived_at.is_(None), sub.id.is_not(None)))
        .order_by(Topic.archived_at.is_not(None), func.lower(Topic.name))).all()
    topics = [(topic, status, source, changed_at) for topic, status, source, changed_at, _, _ in rows]
    blocked = (rows[0][4], rows[0][5]) if rows and rows[0][4] else None
    if not rows:  # no topic at all: the address may still be suppressed (a bounce)
        blocked = db.session.execute(suppressed).first()
    return render_template("marketing/contact_panel.html", contact=contact, topics=topics, blocked=blocked,
                           reasons=SUPPRESSION_REASONS, SUBSCRIBED=SUBSCRIBED)


def panels() -> list[Panel]:
    return [Panel("subscriptions", "Subscriptions", "marketing.view", subscriptions_panel, order=45)]


def filters() -> list[FilterSpec]:
    def subscribed(op, value):
        topic_id = parse_id(value)  # None for anything that is no id (huge numbers too)
        if topic_id is None:
            raise ValueError("Choose a topic.")
        ids = select(Subscription.contact_id).where(Subscription.topic_id == topic_id,
                                                    Subscription.status == SUBSCRIBED)
        return Contact.id.not_in(ids) if op == "is_not" else Contact.id.in_(ids)

    from modules.marketing.tracking import filters as campaign_filters

    return [FilterSpec("topic", "Subscribed to topic", {"is": "is subscribed to", "is_not": "is not subscribed to"},
                       subscribed, "choice", topics.choices, permission="marketing.view", group="Marketing"),
            *campaign_filters.filters()]


def merge(survivor_id: int, merged_id: int) -> None:
    from modules.marketing.sequences import enrol

    subscriptions.move(survivor_id, merged_id)
    # The campaigns received (and their opens, clicks) become the survivor's
    # history, which renumbers its steps in engagement decay's rollup.
    history = engagement.Change([survivor_id, merged_id])
    db.session.execute(update(Recipient).where(Recipient.contact_id == merged_id)
                       .values(contact_id=survivor_id).execution_options(synchronize_session=False))
    history.done()
    enrol.merge(survivor_id, merged_id)
    db.session.execute(update(PreferenceKey).where(PreferenceKey.contact_id == merged_id)
                       .values(contact_id=survivor_id).execution_options(synchronize_session=False))
    db.session.execute(update(PendingSignup).where(PendingSignup.contact_id == merged_id)
                       .values(contact_id=survivor_id).execution_options(synchronize_session=False))


def export(contact_id: int) -> dict:
    names = {t.id: t.name for t in topics.all_topics()}
    rows = db.session.scalars(select(Subscription).where(Subscription.contact_id == contact_id)
                              .order_by(Subscription.topic_id)).all()
    emails = subscriptions.addresses(contact_id)
    signups = db.session.scalars(select(PendingSignup).where(
        (PendingSignup.contact_id == contact_id) | PendingSignup.email.in_(emails)).order_by(PendingSignup.id)).all()
    suppressed = db.session.scalars(select(Suppression).where(Suppression.email.in_(emails))).all() if emails else []
    bounced = db.session.scalars(select(Bounce).where(Bounce.email.in_(emails)).order_by(Bounce.id)).all() \
        if emails else []
    return {
        "subscriptions": [{"topic": names.get(r.topic_id), "status": r.status, "source": r.source,
                           "changed_at": r.changed_at.isoformat()} for r in rows],
        "sign_ups": [{"topic": names.get(s.topic_id), "email": s.email, "first_name": s.first_name,
                      "last_name": s.last_name, "wording": s.wording, "ip": s.ip,
                      "signed_up_at": s.created_at.isoformat(),
                      "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None} for s in signups],
        "suppressed_addresses": [{"email": s.email, "reason": SUPPRESSION_REASONS.get(s.reason, s.reason),
                                  "since": s.created_at.isoformat()} for s in suppressed],
        "bounces_and_complaints": [{"email": b.email, "kind": BOUNCE_KINDS.get(b.kind, b.kind),
                                    "detail": b.detail, "at": b.at.isoformat()} for b in bounced],
        "campaigns": campaign_history.export(contact_id),
        "sequences": sequence_export(contact_id),
    }


def sequence_export(contact_id: int) -> list[dict]:
    from modules.marketing.sequences.models import Enrolment, Sequence

    rows = db.session.execute(select(Enrolment, Sequence.name).join(Sequence, Sequence.id == Enrolment.sequence_id)
                              .where(Enrolment.contact_id == contact_id).order_by(Enrolment.id)).all()
    return [{"sequence": name, "status": e.status, "steps_sent": e.steps_sent, "entered_at": e.entered_at.isoformat(),
             "ended_at": e.ended_at.isoformat() if e.ended_at else None, "left_because": e.left_reason or None}
            for e, name in rows]


def erase(contact_id: int) -> None:
    """Runs before contacts clears the contact (its addresses are still there)."""
    from modules.marketing.sequences import enrol

    emails = subscriptions.addresses(contact_id)
    subscriptions.end_all(contact_id)
    enrol.erase(contact_id)
    condition = PendingSignup.contact_id == contact_id
    if emails:
        condition = condition | PendingSignup.email.in_(emails)
    db.session.execute(delete(PendingSignup).where(condition).execution_options(synchronize_session=False))
    db.session.execute(delete(PreferenceKey).where(PreferenceKey.contact_id == contact_id)
                       .execution_options(synchronize_session=False))
    if emails:  # the reports go; the suppression stays, so the address is never mailed again
        db.session.execute(delete(Bounce).where(Bounce.email.in_(emails)).execution_options(synchronize_session=False))
    campaign_history.erase(contact_id)  # the message rows stay (the counts), without the address


def consent_topics(keys) -> dict[str, str]:
    return topics.consent_labels(keys)
