"""Demo data for `flask seed`: three topics (two with a public form, one for
existing supporters), subscriptions for about four contacts in ten with
their consent-ledger rows, and a few suppressed addresses; then past
campaigns with their events and drip sequences with enrolments
(seed_history.py). Inserted in chunks with `bulk_insert`, each chunk
committed."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.bulk_insert import insert_rows
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import OPT_IN, ConsentEntry, Contact
from modules.marketing.models import (
    DOUBLE_OPT_IN,
    HARD_BOUNCE,
    MANUAL,
    SUBSCRIBED,
    SUPPORTERS,
    Subscription,
    Suppression,
    Topic,
    topic_key,
)

CHUNK = 5_000
TOPICS = [
    ("Newsletter", "newsletter", DOUBLE_OPT_IN, "News from us, once a month.",
     "Yes, email me the monthly newsletter. I can unsubscribe at any time."),
    ("Events", "events", DOUBLE_OPT_IN, "Volunteer days, collections and open evenings.",
     "Yes, tell me about events and volunteer days."),
    ("Appeals", "appeals", SUPPORTERS, "Our appeals to supporters, a few times a year.", ""),
]
SOURCES = ("sign-up form", "staff", "import")


def seed(n: int, rng: random.Random, progress) -> None:
    existing = {slug for slug in db.session.scalars(select(Topic.slug))}
    for name, slug, kind, description, wording in TOPICS:
        if slug not in existing:
            db.session.add(Topic(name=name, slug=slug, kind=kind, description=description, consent_wording=wording,
                                 on_preference_page=kind == DOUBLE_OPT_IN))
    db.session.commit()
    topics = db.session.execute(select(Topic.id, Topic.consent_wording).order_by(Topic.id)).all()
    taken = {tuple(r) for r in db.session.execute(select(Subscription.contact_id, Subscription.topic_id))}
    people = db.session.execute(select(Contact.id, Contact.email).where(Contact.deleted_at.is_(None),
                                                                        Contact.email.is_not(None))
                                .order_by(Contact.id)).all()
    now = utcnow()
    done = 0
    for start in range(0, len(people), CHUNK):
        subscriptions, ledger = [], []
        for contact_id, _email in people[start:start + CHUNK]:
            for topic_id, wording in topics:
                if rng.random() < 0.4 and (contact_id, topic_id) not in taken:
                    at = now - timedelta(days=rng.randint(1, 900))
                    source = rng.choice(SOURCES)
                    subscriptions.append((contact_id, topic_id, SUBSCRIBED, source, at))
                    ledger.append((contact_id, OPT_IN, source, wording, at, topic_key(topic_id)))
        insert_rows(Subscription.__table__, ("contact_id", "topic_id", "status", "source", "changed_at"), subscriptions)
        insert_rows(ConsentEntry.__table__, ("contact_id", "status", "source", "wording", "at", "topic"), ledger)
        db.session.commit()
        done = min(start + CHUNK, len(people))
        progress(done, len(people), "subscriptions")
    have = set(db.session.scalars(select(Suppression.email)))
    picked = rng.sample(people, min(len(people), max(1, n // 100))) if people else []
    rows = []
    for _, email in picked:  # contacts can share an address (an organisation's info@)
        if email and email.lower() not in have:
            have.add(email.lower())
            rows.append((email.lower(), rng.choice((HARD_BOUNCE, MANUAL)), "", now))
    insert_rows(Suppression.__table__, ("email", "reason", "note", "created_at"), rows)
    db.session.commit()
    from modules.marketing import seed_history

    seed_history.seed(n, rng, progress)
