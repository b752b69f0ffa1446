"""Freezing an audience: one recipient row per message, each address left
out counted under its reason, relationship expansion to guardians, the
estimate shown before sending, and the sending job queued."""

from __future__ import annotations

from sqlalchemy import select, text

from app import page_cache
from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from modules.contacts.models import OPT_OUT, Relationship
from modules.marketing import audience, freezing
from modules.marketing.campaign_models import FREEZING, SENDING, Recipient
from modules.marketing.models import SUBSCRIBED, UNSUBSCRIBED, Subscription, Topic
from modules.marketing.suppressions import suppress
from tests.modules.marketing.campaign_helpers import campaign, guardian_type, person, segment


def _rows(campaign_id):
    return [(r.email, r.related) for r in db.session.scalars(
        select(Recipient).where(Recipient.campaign_id == campaign_id).order_by(Recipient.id))]


def test_every_reason_is_counted_once_and_only_the_rest_are_frozen(app):
    with app.app_context():
        topic = Topic(name="News", slug="news")
        other = Topic(name="Events", slug="events")
        db.session.add_all([topic, other])
        db.session.flush()
        person("Ann", "Ann@Example.org", tags=["News"])
        person("Annie", "ann@example.ORG", tags=["News"])  # the same address again
        person("Nobody", None, tags=["News"])
        person("Bad", "not-an-address", tags=["News"])
        person("Dee", "dee@example.org", tags=["News"], do_not_email=True)
        person("Opt", "opt@example.org", tags=["News"], email_opt_in=OPT_OUT)
        unsub = person("Una", "una@example.org", tags=["News"])
        db.session.add(Subscription(contact_id=unsub.id, topic_id=topic.id, status=UNSUBSCRIBED))
        person("Sup", "sup@example.org", tags=["News"])
        suppress("SUP@example.org", "hard_bounce")
        person("Ex", "ex@example.org", tags=["News", "Staff"])
        trashed = person("Tom", "tom@example.org", deleted_at=utcnow())
        bob = person("Bob", "bob@example.org")
        for contact in (trashed, bob):
            db.session.add(Subscription(contact_id=contact.id, topic_id=other.id, status=SUBSCRIBED))
        db.session.flush()
        news, staff = segment("News readers", "News"), segment("Staff", "Staff")
        row = campaign({"segments": [news], "topics": [other.id], "exclude_segments": [staff]}, topic_id=topic.id)
        assert audience.estimate(row) == (2, False)

        job = freezing.start_sending(row)
        db.session.commit()
        # "Send" answers at once: the job freezes the audience, not the request.
        assert row.status == FREEZING and _rows(row.id) == []
        assert freezing.freeze_in_job(row) is True
        assert _rows(row.id) == [("ann@example.org", None), ("bob@example.org", None)]
        assert row.excluded == {"duplicate": 1, "no_email": 2, "do_not_email": 2, "unsubscribed": 1,
                                "suppressed": 1, "excluded_segment": 1, "erased": 1}
        assert row.recipients_total == 2 and row.status == SENDING and row.cursor == 0
        assert row.frozen_max_id == max(r.id for r in db.session.scalars(select(Recipient)))
        stored = db.session.get(Job, job.id)
        assert (stored.kind, stored.args) == ("marketing.send_campaign",
                                              {"campaign_id": row.id, "retry_deferred": True})
        assert row.job_id == job.id


def test_the_freeze_writes_with_a_bigger_page_cache_until_its_commit_then_gives_it_back(app, monkeypatch):
    """SQLite: the recipient rows go in with app/page_cache.py's cache (its
    indexes by contact and address take pages all over), kept through the
    commit and set back after it. PostgreSQL: left alone."""
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"

        def cache_size():
            return db.session.execute(text("PRAGMA cache_size")).scalar() if sqlite else None

        for i in range(3):
            person(f"Reader{i}", f"reader{i}@example.org", tags=["News"])
        row = campaign({"segments": [segment("News readers", "News")]})
        freezing.start_sending(row)
        db.session.commit()
        before, during, real_insert = cache_size(), [], freezing.insert_rows

        def insert_and_look(*args, **kwargs):
            during.append(cache_size())
            return real_insert(*args, **kwargs)

        monkeypatch.setattr(freezing, "insert_rows", insert_and_look)
        assert freezing.freeze_in_job(row) is True
        assert len(_rows(row.id)) == 3
        if sqlite:
            assert during == [-page_cache.CACHE_KIB] != [before]
            assert cache_size() == before
        else:
            assert during == [None]


def _family():
    """Two guardians (one do-not-email) of two students."""
    kind = guardian_type()
    g1 = person("Gina", "gina@example.org")
    g2 = person("Gus", "gus@example.org", do_not_email=True)
    s1 = person("Sam", "sam@example.org", tags=["Year 7"])
    s2 = person("Sal", None, tags=["Year 7"])
    for guardian in (g1, g2):
        for student in (s1, s2):
            db.session.add(Relationship(type_id=kind, contact_a_id=guardian.id, contact_b_id=student.id))
    db.session.flush()
    return kind, g1, (s1, s2)


def test_one_message_per_guardian_listing_their_students(app):
    with app.app_context():
        kind, g1, (s1, s2) = _family()
        row = campaign({"segments": [segment("Year 7", "Year 7")],
                        "expand": {"relationship": f"{kind}a", "per": "combined"}})
        assert audience.estimate(row) == (1, False)
        freezing.freeze(row)
        assert _rows(row.id) == [("gina@example.org", sorted([s1.id, s2.id]))]
        assert row.recipients_total == 1
        assert {k: v for k, v in row.excluded.items() if v} == {"do_not_email": 1}


def test_one_message_per_student_to_each_guardian(app):
    with app.app_context():
        kind, g1, (s1, s2) = _family()
        row = campaign({"segments": [segment("Year 7", "Year 7")],
                        "expand": {"relationship": f"{kind}a", "per": "each"}})
        assert audience.estimate(row) == (2, False)
        freezing.freeze(row)
        assert sorted(_rows(row.id)) == sorted([("gina@example.org", [s1.id]), ("gina@example.org", [s2.id])])
        assert {k: v for k, v in row.excluded.items() if v} == {"do_not_email": 2}


def test_an_empty_audience_freezes_nothing(app):
    with app.app_context():
        row = campaign({})
        assert audience.estimate(row) == (0, False) and audience.is_empty(row.audience)
        freezing.freeze(row)
        assert row.recipients_total == 0 and row.frozen_max_id is None and _rows(row.id) == []
