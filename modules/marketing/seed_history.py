"""Demo history for `flask seed`, after the topics and subscriptions
(seed.py): a verified sender, four past campaigns sent to their topic's
subscribers with what happened to the messages (delivered, hard and soft
bounces, clicks on the campaign's link, unsubscribes: the unsubscribed leave the topic, with a
consent-ledger row; hard bounces are suppressed), and two drip sequences
with people at each step, finished and left.

Everything goes in with `insert_rows` in chunks (COPY on PostgreSQL), each
chunk committed: at `--contacts 100000` that is a few hundred thousand rows
in seconds. Seeding again adds nothing twice (campaigns and sequences are
matched by name)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.bulk_insert import insert_rows
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import OPT_OUT, ConsentEntry, Contact
from modules.marketing import engagement
from modules.marketing.campaign_models import SENT, SENT_ROW, Campaign, Click, Event, Link, Recipient, Sender
from modules.marketing.models import (
    HARD_BOUNCE,
    SUBSCRIBED,
    UNSUBSCRIBED,
    Subscription,
    Suppression,
    Topic,
    topic_key,
)
from modules.marketing.sequences import steps as sequence_steps
from modules.marketing.sequences.models import (
    ACTIVE,
    FINISHED,
    FIRST_GIFT,
    IN_PROGRESS,
    LEFT,
    PAUSED,
    SIGNUP,
    Enrolment,
    Sequence,
)
from modules.marketing.tracking import tally

CHUNK = 5_000
SENDER = ("Riverside news", "news@riverside.example")
LINKS = ("https://riverside.example/donate", "https://riverside.example/news", "https://riverside.example/volunteer")
# name, topic slug, subject, days ago
CAMPAIGNS = [
    ("Spring newsletter", "newsletter", "Spring at Riverside, {{ contact.first_name | default('friend') }}", 120),
    ("Summer appeal", "appeals", "Help us through the summer", 90),
    ("Autumn newsletter", "newsletter", "Autumn news from Riverside", 60),
    ("Winter appeal", "appeals", "A warm meal this winter", 25),
]
BODY = ("Dear {{ contact.first_name | default('friend') }},\n\nThank you for being part of Riverside. "
        "[Read more]({link}).\n\nWith thanks,\nThe Riverside team")
# (share of messages) per outcome; the rest are plainly delivered
HARD, SOFT, CLICK, UNSUB = 0.01, 0.02, 0.12, 0.005
SEQUENCES = [
    ("Welcome series", "newsletter", SIGNUP, ACTIVE,
     [(0, "Welcome to Riverside, {{ contact.first_name | default('friend') }}",
       "Thank you for signing up. Here is what to expect from us."),
      (72, "How your support helps", "Every week we cook for 300 neighbours. Here is how."),
      (168, "Come and see us", "Our kitchen is open on Saturdays: come and say hello.")]),
    ("Thank you for a first gift", "appeals", FIRST_GIFT, PAUSED,
     [(24, "Thank you, {{ contact.first_name | default('friend') }}", "Your first gift made a difference."),
      (336, "What your gift did", "Two weeks on, here is what your gift did.")]),
]


def seed(n: int, rng: random.Random, progress) -> None:
    sender = _sender()
    topics = {t.slug: t for t in db.session.scalars(select(Topic))}
    for name, slug, subject, days in CAMPAIGNS:
        if slug in topics and not db.session.scalar(select(Campaign.id).where(Campaign.name == name)):
            _campaign(name, topics[slug], subject, utcnow() - timedelta(days=days), sender, rng, progress)
    for name, slug, trigger, status, step_list in SEQUENCES:
        if slug in topics and not db.session.scalar(select(Sequence.id).where(Sequence.name == name)):
            _sequence(name, topics[slug], trigger, status, step_list, sender, rng, progress)
    rebuild_rollup()


def rebuild_rollup() -> None:
    """The rows went in without the sending pipeline: engagement decay's
    rollup and the campaigns' tallies are counted afresh."""
    engagement.rebuild()
    tally.rebuild()
    db.session.commit()


def _sender() -> Sender:
    sender = db.session.scalar(select(Sender).where(Sender.email == SENDER[1]))
    if sender is None:
        sender = Sender(name=SENDER[0], email=SENDER[1], verified_at=utcnow())
        db.session.add(sender)
        db.session.commit()
    return sender


def _audience(topic: Topic) -> list[tuple[int, str]]:
    """(contact id, address) of the topic's subscribers with an address."""
    return db.session.execute(
        select(Contact.id, Contact.email).join(Subscription, Subscription.contact_id == Contact.id)
        .where(Subscription.topic_id == topic.id, Subscription.status == SUBSCRIBED, Contact.deleted_at.is_(None),
               Contact.email.is_not(None)).order_by(Contact.id)).all()


def _campaign(name: str, topic: Topic, subject: str, at: datetime, sender: Sender, rng: random.Random,
              progress) -> None:
    people = _audience(topic)
    url = rng.choice(LINKS)
    campaign = Campaign(name=name, subject=subject, body=BODY.format(link=url), format="markdown",
                        topic_id=topic.id, sender_id=sender.id, status=SENT, audience={"topics": [topic.id]},
                        excluded={}, created_at=at - timedelta(days=2), started_at=at,
                        finished_at=at + timedelta(minutes=20))
    db.session.add(campaign)
    db.session.flush()
    link = Link(campaign_id=campaign.id, position=1, url=url)
    db.session.add(link)
    db.session.commit()
    columns = ("campaign_id", "contact_id", "email", "status", "attempts", "sent_at", "error", "variant")
    for start in range(0, len(people), CHUNK):
        chunk = people[start:start + CHUNK]
        insert_rows(Recipient.__table__, columns, [
            (campaign.id, cid, email.lower(), SENT_ROW, 1, at + timedelta(seconds=i // 50), "", "")
            for i, (cid, email) in enumerate(chunk, start)])
        db.session.commit()
    sent = db.session.execute(select(Recipient.id, Recipient.contact_id, Recipient.email, Recipient.sent_at)
                              .where(Recipient.campaign_id == campaign.id).order_by(Recipient.id)).all()
    events, clicks, unsubscribed, bounced = [], [], [], []
    for rid, cid, email, sent_at in sent:
        roll = rng.random()
        if roll < HARD:
            events.append((campaign.id, rid, "bounce_hard", "550 5.1.1 No such user", sent_at + timedelta(minutes=1)))
            bounced.append(email)
            continue
        if roll < HARD + SOFT:
            events.append((campaign.id, rid, "bounce_soft", "452 4.2.2 Mailbox full", sent_at + timedelta(minutes=3)))
            continue
        events.append((campaign.id, rid, "delivered", "", sent_at + timedelta(seconds=20)))
        if rng.random() < CLICK:  # as the tracking redirect records them: first, last, how many
            first = sent_at + timedelta(hours=rng.randint(1, 72))
            times = rng.choice((1, 1, 1, 2, 3))
            clicks.append((campaign.id, rid, link.id, first, first + timedelta(hours=times - 1), times))
        if rng.random() < UNSUB:
            events.append((campaign.id, rid, "unsubscribe", "", sent_at + timedelta(hours=rng.randint(1, 96))))
            unsubscribed.append(cid)
    for start in range(0, len(events), CHUNK):
        insert_rows(Event.__table__, ("campaign_id", "recipient_id", "kind", "detail", "at"),
                    events[start:start + CHUNK])
        db.session.commit()
    for start in range(0, len(clicks), CHUNK):
        insert_rows(Click.__table__, ("campaign_id", "recipient_id", "link_id", "first_at", "last_at", "count"),
                    clicks[start:start + CHUNK])
        db.session.commit()
    _unsubscribe(topic, unsubscribed, at + timedelta(days=1))
    _suppress(bounced, at)
    campaign.recipients_total = campaign.sent_count = len(sent)
    campaign.frozen_max_id = campaign.cursor = sent[-1][0] if sent else 0
    db.session.commit()
    progress(1, 1, f"campaign “{name}”")


def _unsubscribe(topic: Topic, contact_ids: list[int], at: datetime) -> None:
    for start in range(0, len(contact_ids), CHUNK):
        chunk = contact_ids[start:start + CHUNK]
        db.session.execute(update(Subscription).where(Subscription.topic_id == topic.id,
                                                      Subscription.contact_id.in_(chunk))
                           .values(status=UNSUBSCRIBED, source="one-click unsubscribe", changed_at=at))
        insert_rows(ConsentEntry.__table__, ("contact_id", "status", "source", "wording", "at", "topic"),
                    [(cid, OPT_OUT, "one-click unsubscribe", "", at, topic_key(topic.id)) for cid in chunk])
        db.session.commit()


def _suppress(emails: list[str], at: datetime) -> None:
    have = set(db.session.scalars(select(Suppression.email).where(Suppression.email.in_(emails)))) if emails else set()
    rows = [(email, HARD_BOUNCE, "550 5.1.1 No such user", at) for email in sorted(set(emails) - have)]
    insert_rows(Suppression.__table__, ("email", "reason", "note", "created_at"), rows)
    db.session.commit()


def _sequence(name: str, topic: Topic, trigger: str, status: str, step_list, sender: Sender, rng: random.Random,
              progress) -> None:
    sequence = Sequence(name=name, topic_id=topic.id, sender_id=sender.id, trigger=trigger, status=status)
    db.session.add(sequence)
    db.session.flush()
    made = [sequence_steps.add(sequence, wait_hours=wait, subject=subject, preheader="", body=body,
                               format="markdown") for wait, subject, body in step_list]
    db.session.commit()
    offsets, total = [], 0
    for wait, _, _ in step_list:
        total += wait
        offsets.append(timedelta(hours=total))
    now = utcnow()
    people = [p for p in _audience(topic) if rng.random() < 0.05]
    enrolled, sends = [], {step.id: [] for step in made}
    for cid, email in people:
        entered = now - timedelta(hours=rng.randint(1, 24 * 30))
        age = now - entered
        sent = sum(1 for offset in offsets if offset <= age)
        state, ended, reason = IN_PROGRESS, None, ""
        if sent == len(offsets):
            state, ended = FINISHED, entered + offsets[-1]
        elif sent and rng.random() < 0.05:
            state, ended, reason = LEFT, entered + offsets[sent - 1] + timedelta(hours=2), "unsubscribed"
        enrolled.append((sequence.id, cid, state, sent, trigger.replace("_", " "), entered, ended, reason))
        for step, offset in zip(made[:sent], offsets, strict=False):
            sends[step.id].append((step.campaign_id, cid, email.lower(), SENT_ROW, 1, entered + offset, "", ""))
    insert_rows(Enrolment.__table__, ("sequence_id", "contact_id", "status", "steps_sent", "source", "entered_at",
                                      "ended_at", "left_reason"), enrolled)
    for step in made:
        rows = sends[step.id]
        insert_rows(Recipient.__table__, ("campaign_id", "contact_id", "email", "status", "attempts", "sent_at",
                                          "error", "variant"), rows)
        step.campaign.recipients_total = step.campaign.sent_count = len(rows)
    db.session.commit()
    progress(1, 1, f"sequence “{name}”")
