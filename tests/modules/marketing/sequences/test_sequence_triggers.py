"""How contacts enter sequences, each once: joining a segment (the real
schedule, run again and again), confirming a sign-up (the public form, the
confirmation email through aiosmtpd, the confirming POST), a gift recorded
by pipeline (its named signal; "first gift" means the donor's only one);
and what merge and erasure do to enrolments."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app import schedules
from app.extensions import db
from app.models import ScheduleState
from app.models.base import utcnow
from modules.contacts.dedupe import merge
from modules.contacts.models import ContactTag, Segment
from modules.contacts.people import privacy, records
from modules.marketing.sequences.models import FIRST_GIFT, SEGMENT, SIGNUP, Enrolment
from tests.conftest import make_user
from tests.modules.marketing.campaign_helpers import tag_id
from tests.modules.marketing.conftest import link_in, run_jobs
from tests.modules.marketing.sequences.helpers import deliveries, enrolments, make_sequence, people, send

STEPS = "marketing.sequence_steps"


def _segment(app, tag: str) -> int:
    with app.app_context():
        row = Segment(name="Volunteers", filters={"q": "", "f": [f"tag:is:{tag_id(tag)}"], "match": "all"},
                      shared=True)
        db.session.add(row)
        db.session.commit()
        return row.id


def _check_segments(app) -> str:
    with app.app_context():
        done = schedules.run_due(only="marketing.sequence_segments")
        db.session.remove()
        return done["marketing.sequence_segments"]


def test_joining_a_segment_enrols_exactly_its_members_once_across_runs(app, smtp):
    segment_id = _segment(app, "volunteer")
    sequence_id, topic_id = make_sequence(app, trigger=SEGMENT, segment_id=segment_id)
    members = people(app, 3, topic_id, prefix="member", tags=("volunteer",))
    not_subscribed = people(app, 1, None, prefix="quiet", tags=("volunteer",))
    outsiders = people(app, 2, topic_id, prefix="outsider")
    with app.app_context():  # nothing to send yet: the sending schedule sleeps for a day
        assert schedules.run_due(only=STEPS)[STEPS] == "No sequence step is waiting"
        assert db.session.get(ScheduleState, STEPS).next_run_at > utcnow() + timedelta(hours=23)

    assert _check_segments(app) == "3 contacts entered sequences"
    for _ in range(3):
        assert _check_segments(app) == "0 contacts entered sequences"
    got = enrolments(app, sequence_id)
    assert set(got) == set(members) and all(v == ("active", 0, "") for v in got.values())
    assert not set(got) & set(not_subscribed + outsiders)
    with app.app_context():  # entering woke it
        assert db.session.get(ScheduleState, STEPS).next_run_at <= utcnow()

    # One joins the segment later: they alone enter, once.
    with app.app_context():
        db.session.add(ContactTag(contact_id=outsiders[0], tag_id=tag_id("volunteer")))
        db.session.commit()
    assert _check_segments(app) == "1 contact entered sequences"
    assert _check_segments(app) == "0 contacts entered sequences"
    assert set(enrolments(app, sequence_id)) == set(members) | {outsiders[0]}

    # Leaving the segment and joining again is not a second pass through the sequence.
    with app.app_context():
        db.session.execute(ContactTag.__table__.delete().where(ContactTag.contact_id == members[0]))
        db.session.commit()
    assert _check_segments(app) == "0 contacts entered sequences"
    with app.app_context():
        db.session.add(ContactTag(contact_id=members[0], tag_id=tag_id("volunteer")))
        db.session.commit()
    assert _check_segments(app) == "0 contacts entered sequences"

    assert send(app).sent == 4
    assert sorted(a for (a, _s) in deliveries(smtp)) == ["member0@example.org", "member1@example.org",
                                                         "member2@example.org", "outsider0@example.org"]


def test_a_paused_sequence_takes_no_one_from_its_segment(app):
    segment_id = _segment(app, "volunteer")
    sequence_id, topic_id = make_sequence(app, trigger=SEGMENT, segment_id=segment_id, status="paused")
    people(app, 2, topic_id, tags=("volunteer",))
    assert _check_segments(app) == "No active sequence enrols from a segment"
    assert enrolments(app, sequence_id) == {}


def test_confirming_a_sign_up_enrols_once_and_the_welcome_arrives(app, smtp):
    make_user(app)
    sequence_id, topic_id = make_sequence(app, trigger=SIGNUP)
    with app.app_context():
        from modules.marketing.models import Topic

        slug = db.session.get(Topic, topic_id).slug
    website = app.test_client(use_cookies=False)
    assert website.post(f"/marketing/join/{slug}", data={"email": "nora@example.org", "first_name": "Nora",
                                                         "last_name": "Quist", "website": ""}).status_code == 303
    run_jobs(app)
    link = link_in(smtp.messages[0], "/marketing/join/confirm/")
    person = app.test_client()
    page = person.get(link).get_data(as_text=True)
    assert enrolments(app, sequence_id) == {}  # a link scanner's GET enrols no one
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert person.post(link, data={"csrf_token": token}).status_code == 200
    assert person.post(link, data={"csrf_token": token}).status_code == 200  # a double click
    got = enrolments(app, sequence_id)
    assert list(got.values()) == [("active", 0, "")]
    with app.app_context():
        assert db.session.scalar(select(Enrolment.source)) == "sign-up"

    assert send(app).sent == 1
    assert deliveries(smtp)[("nora@example.org", "Welcome, Nora")] == 1


def _gift(app, contact_id: int, on: date) -> None:
    from modules.pipeline import gifts

    with app.app_context():
        gifts.record_gift(contact_id=contact_id, amount=Decimal("25.00"), received_on=on, currency="GBP")
        db.session.commit()


def test_a_first_gift_enrols_the_donor_and_later_gifts_do_not(app):
    make_user(app)
    sequence_id, topic_id = make_sequence(app, trigger=FIRST_GIFT, step_list=[(24, "Thank you", "Thank you!")])
    donor, regular, unsubscribed = people(app, 2, topic_id) + people(app, 1, None, prefix="nosub")
    with app.app_context():
        from modules.marketing.sequences.models import Sequence

        db.session.get(Sequence, sequence_id).status = "paused"
        db.session.commit()
    _gift(app, regular, date(2025, 5, 1))  # gave before the sequence was on
    with app.app_context():
        db.session.get(Sequence, sequence_id).status = "active"
        db.session.commit()

    _gift(app, donor, date(2026, 11, 1))
    _gift(app, donor, date(2026, 11, 20))
    _gift(app, regular, date(2026, 11, 2))  # a second gift: not a first
    _gift(app, unsubscribed, date(2026, 11, 3))  # a first gift, but no consent to the topic
    got = enrolments(app, sequence_id)
    assert got == {donor: ("active", 0, "")}
    with app.app_context():
        assert db.session.scalar(select(Enrolment.source)) == "first gift"


def test_merge_moves_enrolments_and_keeps_one_per_sequence(app):
    make_user(app)
    first_id, topic_id = make_sequence(app)
    with app.app_context():
        from modules.marketing.sequences.models import Sequence

        second = Sequence(name="Events series", topic_id=topic_id, trigger="manual", status="active")
        db.session.add(second)
        db.session.commit()
        second_id = second.id
    survivor, merged = people(app, 2, topic_id)
    enrol = [(first_id, survivor, 2), (first_id, merged, 1), (second_id, merged, 0)]
    with app.app_context():
        for sequence_id, contact_id, sent in enrol:
            db.session.add(Enrolment(sequence_id=sequence_id, contact_id=contact_id, steps_sent=sent,
                                     entered_at=utcnow() - timedelta(days=3)))
        db.session.commit()
    with app.test_request_context():
        merge.merge(records.load(survivor), records.load(merged), {})
        db.session.commit()
    with app.app_context():
        rows = db.session.execute(select(Enrolment.sequence_id, Enrolment.contact_id, Enrolment.steps_sent)
                                  .order_by(Enrolment.sequence_id)).all()
    assert [tuple(r) for r in rows] == [(first_id, survivor, 2), (second_id, survivor, 0)]


def test_erasure_takes_the_contact_out_of_its_sequences(app, smtp):
    make_user(app)
    sequence_id, topic_id = make_sequence(app)
    gone, stays = people(app, 2, topic_id)
    with app.app_context():
        for contact_id in (gone, stays):
            db.session.add(Enrolment(sequence_id=sequence_id, contact_id=contact_id, entered_at=utcnow()))
        db.session.commit()
    with app.test_request_context():
        privacy.erase(records.load(gone))
        db.session.commit()
    assert enrolments(app, sequence_id) == {gone: ("left", 0, "erased"), stays: ("active", 0, "")}
    assert send(app).sent == 1 and [r.rcpt_tos for r in smtp.inbox.received] == [("person1@example.org",)]


def test_the_personal_data_export_lists_the_contacts_sequences(app):
    from modules.marketing import contact_hooks

    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 1, topic_id)
    with app.app_context():
        db.session.add(Enrolment(sequence_id=sequence_id, contact_id=ids[0], steps_sent=1, status="left",
                                 left_reason="removed", entered_at=utcnow(), ended_at=utcnow()))
        db.session.commit()
        exported = contact_hooks.export(ids[0])["sequences"]
    assert [(e["sequence"], e["status"], e["steps_sent"], e["left_because"]) for e in exported] == [
        ("Welcome series", "left", 1, "removed")]


def test_with_no_segment_sequence_the_check_sleeps_an_hour(app):
    with app.app_context():
        done = schedules.run_due(only="marketing.sequence_segments")
        assert done["marketing.sequence_segments"] == "No active sequence enrols from a segment"
        state = db.session.get(ScheduleState, "marketing.sequence_segments")
        assert state.next_run_at > utcnow() + timedelta(minutes=55)
