"""Sending due steps against a real SMTP server (aiosmtpd): late after
downtime but once, the campaign headers on every message, contacts who
unsubscribe or are suppressed mid-sequence get nothing more, and two runs
at once never send a step twice."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from modules.marketing import verp
from modules.marketing.campaign_models import SENT_ROW, Campaign, Recipient
from modules.marketing.models import HARD_BOUNCE
from modules.marketing.sequences.models import Step
from modules.marketing.suppressions import suppress
from tests.modules.marketing.sequences.helpers import deliveries, enrol_at, enrolments, make_sequence, people, send

WELCOME, SECOND = "Welcome, Name{}", "How we help"


def test_steps_due_during_downtime_go_out_late_and_once(app, smtp):
    sequence_id, topic_id = make_sequence(app, send_bounce_domain="bounces.park.example.org")
    ids = people(app, 3, topic_id)
    # They entered ten days ago; no worker ran since: both steps are overdue.
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(days=10))

    first = send(app)
    assert first.sent == 3 and first.failed == 0
    assert deliveries(smtp) == {(f"person{i}@example.org", WELCOME.format(i)): 1 for i in range(3)}
    second = send(app)  # the next minute's run: the second step, also overdue
    assert second.sent == 3
    assert send(app).sent == 0 and send(app, utcnow() + timedelta(days=30)).sent == 0  # never again
    got = deliveries(smtp)
    assert len(smtp.inbox.received) == 6 and set(got.values()) == {1}
    assert {subject for _, subject in got} == {WELCOME.format(i) for i in range(3)} | {SECOND}
    assert enrolments(app, sequence_id) == {cid: ("finished", 2, "") for cid in ids}

    # Each message is a campaign message: its headers, its recipient row (VERP), the carrier's counts.
    message, received = smtp.inbox.messages[0], smtp.inbox.received[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/marketing/unsubscribe/" in message["List-Unsubscribe"] and message["Precedence"] == "bulk"
    assert "Hello Name0, welcome aboard." in message.get_body(("plain",)).get_content()
    with app.app_context():
        row = db.session.get(Recipient, verp.recipient_id_of(received.mail_from))
        assert row.status == SENT_ROW and row.message_id == message["Message-ID"] and row.email == "person0@example.org"
        carriers = db.session.scalars(select(Campaign).join(Step, Step.campaign_id == Campaign.id)
                                      .order_by(Step.position)).all()
        assert [(c.status, c.sent_count, c.recipients_total) for c in carriers] == [("sequence", 3, 3)] * 2


def test_a_step_not_yet_due_waits_for_its_time(app, smtp):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 2, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(hours=1))
    assert send(app).sent == 2  # step 1 goes at once
    assert send(app).sent == 0  # step 2 waits two days
    assert send(app, utcnow() + timedelta(hours=46)).sent == 0
    assert send(app, utcnow() + timedelta(hours=47, minutes=1)).sent == 2
    assert enrolments(app, sequence_id) == {cid: ("finished", 2, "") for cid in ids}


def test_unsubscribing_mid_sequence_stops_the_later_steps(app, smtp, client, admin):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 2, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(hours=1))
    assert send(app).sent == 2
    # person0 uses the one-click link of step 1 (a POST, as mail providers send it).
    message = next(m for m in smtp.inbox.messages if m["To"] == "person0@example.org")
    https = message["List-Unsubscribe"].split(",")[0].strip(" <>")
    assert client.post("/" + https.split("://", 1)[1].split("/", 1)[1],
                       data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert enrolments(app, sequence_id)[ids[0]] == ("left", 1, "unsubscribed")

    assert send(app, utcnow() + timedelta(days=3)).sent == 1
    got = deliveries(smtp)
    assert got[("person0@example.org", SECOND)] == 0 and got[("person1@example.org", SECOND)] == 1
    assert enrolments(app, sequence_id)[ids[1]] == ("finished", 2, "")


def test_a_suppressed_or_do_not_email_contact_leaves_at_the_next_step(app, smtp):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 3, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(hours=1))
    assert send(app).sent == 3
    with app.app_context():
        suppress("person1@example.org", HARD_BOUNCE, note="test")
        from modules.contacts.models import Contact

        db.session.get(Contact, ids[2]).do_not_email = True
        db.session.commit()
    result = send(app, utcnow() + timedelta(days=3))
    assert (result.sent, result.left) == (1, 2)
    assert enrolments(app, sequence_id) == {ids[0]: ("finished", 2, ""), ids[1]: ("left", 1, "suppressed"),
                                            ids[2]: ("left", 1, "do_not_email")}
    assert sum(1 for r in smtp.inbox.received if r.rcpt_tos[0] != "person0@example.org") == 2  # step 1 only


def test_a_paused_sequence_sends_nothing_until_switched_on(app, smtp):
    sequence_id, topic_id = make_sequence(app, status="paused")
    ids = people(app, 2, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(days=5))
    assert send(app).sent == 0 and smtp.inbox.received == []
    with app.app_context():
        from modules.marketing.sequences.models import Sequence

        db.session.get(Sequence, sequence_id).status = "active"
        db.session.commit()
    assert send(app).sent == 2


def test_5xx_answers_are_final_and_4xx_are_tried_again_next_run(app, smtp):
    sequence_id, topic_id = make_sequence(app, step_list=[(0, "Only step", "Hello")])
    ids = people(app, 3, topic_id)
    smtp.inbox.answers = {"person1@example.org": "550 5.1.1 No such user",
                          "person2@example.org": "450 4.2.1 Mailbox busy"}
    smtp.inbox.answer_times = {"person2@example.org": 1}
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(minutes=5))
    first = send(app)
    assert (first.sent, first.failed, first.deferred) == (1, 1, 1)
    assert enrolments(app, sequence_id) == {ids[0]: ("finished", 1, ""), ids[1]: ("finished", 1, ""),
                                            ids[2]: ("active", 0, "")}
    again = send(app)  # the deferred one, with the same recipient row
    assert (again.sent, again.failed) == (1, 0)
    with app.app_context():
        rows = db.session.execute(select(Recipient.email, Recipient.status, Recipient.attempts)
                                  .order_by(Recipient.email)).all()
    assert [tuple(r) for r in rows] == [("person0@example.org", "sent", 1), ("person1@example.org", "failed", 1),
                                        ("person2@example.org", "sent", 2)]
    assert deliveries(smtp) == {("person0@example.org", "Only step"): 1, ("person2@example.org", "Only step"): 1}


def test_two_runs_at_once_never_send_a_step_twice(app, smtp):
    n = 24
    sequence_id, topic_id = make_sequence(app, send_batch_size=4)
    ids = people(app, n, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(days=10))
    smtp.inbox.delay = 0.01
    results, errors = [], []

    def run():
        try:
            results.append(send(app))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sum(r.sent for r in results) == n
    got = deliveries(smtp)
    assert len(got) == n and set(got.values()) == {1}
    assert all(re.fullmatch(r"Welcome, Name\d+", subject) for _, subject in got)
    assert {v[:2] for v in enrolments(app, sequence_id).values()} == {("active", 1)}


def test_unsubscribing_from_everything_leaves_every_sequence(app, smtp):
    from modules.contacts.models import Contact
    from modules.marketing import subscriptions
    from modules.marketing.sequences.models import Sequence

    first_id, topic_id = make_sequence(app)
    with app.app_context():
        other = Sequence(name="Events series", topic_id=topic_id, trigger="manual", status="active")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    ids = people(app, 2, topic_id)
    enrol_at(app, first_id, ids, utcnow() - timedelta(hours=1))
    enrol_at(app, other_id, ids[:1], utcnow() - timedelta(hours=1))
    with app.test_request_context():
        subscriptions.unsubscribe_all(db.session.get(Contact, ids[0]), subscriptions.Origin(subscriptions.ONE_CLICK))
        db.session.commit()
    assert enrolments(app, first_id) == {ids[0]: ("left", 0, "unsubscribed"), ids[1]: ("active", 0, "")}
    assert enrolments(app, other_id) == {ids[0]: ("left", 0, "unsubscribed")}
    assert send(app).sent == 1 and [r.rcpt_tos for r in smtp.inbox.received] == [("person1@example.org",)]


def test_the_hourly_cap_of_campaign_sending_holds_steps_back_too(app, smtp):
    sequence_id, topic_id = make_sequence(app, step_list=[(0, "Only step", "Hello")], send_hourly_cap=2)
    ids = people(app, 3, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(hours=1))
    held = send(app)
    assert (held.sent, held.stopped) == (2, "waiting for the hour cap")
    assert sum(1 for v in enrolments(app, sequence_id).values() if v == ("active", 0, "")) == 1
    with app.app_context():  # the one held back is not left claimed: the next hour's run takes it
        from modules.marketing.sequences.models import Enrolment

        assert db.session.scalar(select(Enrolment.claim).where(Enrolment.steps_sent == 0)) is None
        app.extensions["steward"].redis.flushdb()  # the next hour: its counter starts again
    assert send(app).sent == 1
    assert len(smtp.inbox.received) == 3 and set(deliveries(smtp).values()) == {1}
    with app.app_context():
        assert [r for (r,) in db.session.execute(select(Recipient.status))] == ["sent"] * 3
