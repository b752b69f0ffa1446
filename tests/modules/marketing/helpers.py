"""Shared set-up for the marketing tests: topics and contacts made through
the real services, and counts read back from the database."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.models import ConsentEntry
from modules.contacts.people import records
from modules.marketing import topics
from modules.marketing.models import DOUBLE_OPT_IN, Subscription, Topic


def make_topic(app, name="Newsletter", kind=DOUBLE_OPT_IN, on_page=True, wording="Yes, email me the newsletter.",
               description="News from us, once a month.") -> int:
    with app.app_context():
        topic = Topic(name=name, slug=topics.unique_slug(name), kind=kind, on_preference_page=on_page,
                      consent_wording=wording, description=description)
        db.session.add(topic)
        db.session.commit()
        return topic.id


def make_person(app, first="Grace", last="Hopper", email="grace@example.org") -> int:
    with app.app_context():
        details = records.Details(emails=[{"email": email, "label": "", "is_primary": True}] if email else [])
        contact = records.create("person", {"first_name": first, "last_name": last}, details)
        db.session.commit()
        return contact.id


def subscription_rows(app, contact_id=None) -> list[tuple[int, int, str, str]]:
    """(contact, topic, status, source) of every subscription row."""
    with app.app_context():
        stmt = select(Subscription.contact_id, Subscription.topic_id, Subscription.status, Subscription.source)
        if contact_id is not None:
            stmt = stmt.where(Subscription.contact_id == contact_id)
        return [tuple(r) for r in db.session.execute(stmt.order_by(Subscription.id))]


def ledger(app, contact_id=None) -> list[dict]:
    """The consent ledger rows that name a topic, oldest first."""
    with app.app_context():
        stmt = select(ConsentEntry).where(ConsentEntry.topic.is_not(None))
        if contact_id is not None:
            stmt = stmt.where(ConsentEntry.contact_id == contact_id)
        return [{"contact": e.contact_id, "status": e.status, "topic": e.topic, "source": e.source,
                 "wording": e.wording, "ip": e.ip, "user": e.user_id}
                for e in db.session.scalars(stmt.order_by(ConsentEntry.id))]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))
