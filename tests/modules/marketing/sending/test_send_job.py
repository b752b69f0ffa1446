"""The sending job against a real SMTP server: every recipient once, with
the headers, in batches; and the faults counted: 5xx, 4xx, server down,
too many refusals in a batch."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from modules.marketing import verp
from modules.marketing.campaign_models import Campaign
from tests.browser.conftest import run_jobs
from tests.modules.marketing.sending.helpers import campaign_state, deliveries, make_campaign, rows, run_all


def test_every_recipient_gets_one_message_with_the_bulk_headers(app, smtp, client, admin):
    campaign_id = make_campaign(app, 5, send_batch_size=2, send_bounce_domain="bounces.park.example.org")
    run_all(app)

    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["sent"] == 5 and state["failed"] == 0
    assert state["rows"] == {"sent": 5} and state["cursor"] == state["max"]
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(5)}

    stored = rows(app, campaign_id)
    received = {r.rcpt_tos[0]: r for r in smtp.inbox.received}
    ids = set()
    for address, row in stored.items():
        got = received[address]
        msg = message_from_bytes(got.content, policy=policy.default)
        assert msg["Message-ID"] == row.message_id and row.sent_at is not None
        ids.add(row.message_id)
        assert msg["Subject"] == f"News for Name{address[6]}"
        assert msg["Precedence"] == "bulk"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r'"Campaigns" <campaigns\.park\.example\.org>', msg["List-Id"])
        https, mailto = [part.strip(" <>") for part in msg["List-Unsubscribe"].split(",")]
        assert "/marketing/unsubscribe/" in https and https.startswith("http")
        assert mailto.startswith("mailto:unsubscribe@bounces.park.example.org?subject=unsubscribe")
        # VERP: the envelope sender names this recipient row, signed.
        assert got.mail_from.startswith("bounces+") and got.mail_from.endswith("@bounces.park.example.org")
        with app.app_context():
            assert verp.recipient_id_of(got.mail_from) == row.id
        assert f"Dear Name{address[6]}, thank you." in msg.get_body(("plain",)).get_content()
    assert len(ids) == 5  # unique Message-IDs

    # The one-click URL works by POST without cookies, as mail providers send it.
    msg = smtp.messages[0]
    https = msg["List-Unsubscribe"].split(",")[0].strip(" <>")
    path = https.split("://", 1)[1].split("/", 1)[1]
    answer = client.post("/" + path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200

    # The "view in the browser" link shows that recipient's message, and no contact id.
    text = msg.get_body(("plain",)).get_content()
    view = re.search(r"/marketing/view/\S+", text).group(0)
    page = client.get(view)
    assert page.status_code == 200
    assert f"Dear {msg['Subject'].split()[-1]}, thank you." in page.get_data(as_text=True)
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert client.get(view[:-3] + "xyz").status_code == 404


def test_5xx_addresses_fail_once_are_counted_and_never_retried(app, smtp):
    smtp.inbox.answers = {"person1@example.org": "550 5.1.1 No such user",
                          "person3@example.org": "553 5.1.3 Bad address"}
    campaign_id = make_campaign(app, 6, send_batch_size=3, send_pause_share=100)
    run_all(app)

    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and (state["sent"], state["failed"]) == (4, 2)
    assert state["rows"] == {"sent": 4, "failed": 2}
    stored = rows(app, campaign_id)
    assert stored["person1@example.org"].attempts == 1 and stored["person1@example.org"].error.startswith("550")
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in (0, 2, 4, 5)}


def test_4xx_is_deferred_then_sent_exactly_once(app, smtp):
    smtp.inbox.answers = {"person2@example.org": "451 4.3.0 Try again later"}
    smtp.inbox.answer_times = {"person2@example.org": 2}
    campaign_id = make_campaign(app, 4, send_batch_size=2, send_pause_share=100)

    run_jobs(app)  # the first pass: person2 deferred, a later job waits for it (delayed)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sending" and state["rows"]["deferred"] == 1 and state["sent"] == 3
    with app.app_context():
        waiting = db.session.get(Job, state["job_id"])
        assert waiting.status == Job.QUEUED and "deferred" in waiting.message

    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": 4} and state["failed"] == 0
    assert rows(app, campaign_id)["person2@example.org"].attempts == 3
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(4)}


def test_smtp_down_defers_the_batch_and_loses_nothing(app, smtp):
    campaign_id = make_campaign(app, 5, send_batch_size=2)
    smtp.stop()
    run_jobs(app)
    state = campaign_state(app, campaign_id)
    # The first batch was deferred and the job stopped there; a later job waits with backoff.
    assert state["status"] == "sending" and state["sent"] == 0 and state["failed"] == 0
    assert state["rows"] == {"deferred": 2, "queued": 3}
    with app.app_context():
        later = db.session.get(Job, state["job_id"])
        assert later.status == Job.QUEUED and "could not be reached" in later.message

    smtp.start()
    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": 5}
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(5)}


def test_too_many_refusals_in_a_batch_pause_the_campaign_and_say_why(app, smtp):
    smtp.inbox.answers = {f"person{i}@example.org": "550 5.7.1 Blocked by policy" for i in (0, 1)}
    campaign_id = make_campaign(app, 7, send_batch_size=4, send_pause_share=20)
    run_all(app)

    state = campaign_state(app, campaign_id)
    assert state["status"] == "paused"
    assert "2 of the 4 messages" in state["reason"] and "20%" in state["reason"] and "550 5.7.1" in state["reason"]
    assert state["rows"] == {"failed": 2, "sent": 2, "queued": 3}  # the rest waits, untouched
    assert sum(deliveries(smtp).values()) == 2
    with app.app_context():
        assert db.session.scalar(select(Campaign.cursor).where(Campaign.id == campaign_id)) > 0


def test_a_template_that_cannot_be_filled_in_sends_nothing_broken(app, smtp):
    broken = make_campaign(app, 3, body="Hello {{ contact.first_name ", send_batch_size=3)
    run_all(app)
    state = campaign_state(app, broken)
    assert state["status"] == "paused" and "cannot be filled in" in state["reason"]
    assert state["rows"] == {"queued": 3} and len(smtp.inbox.received) == 0


def test_a_missing_merge_field_fails_the_row_and_never_sends_it(app, smtp):
    campaign_id = make_campaign(app, 3, body="Hello {{ contact.nickname }}", send_batch_size=3)
    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "paused" and "3 of the 3 messages" in state["reason"]
    assert state["rows"] == {"failed": 3} and state["failed"] == 3 and len(smtp.inbox.received) == 0
    assert all(r.error.startswith("Not sent:") and "nickname" in r.error for r in rows(app, campaign_id).values())


def test_a_bounce_address_survives_a_server_that_lowercases_it_and_refuses_forgeries(app):
    with app.app_context():
        addr = verp.address(123456, "bounces.park.example.org")
        assert addr.startswith("bounces+r2n9c-")  # 123456 in base 36
        local = addr.split("@")[0]
        assert len(local) < 64 and local == local.lower()
        assert verp.recipient_id_of(addr.upper()) == 123456
        forged = addr.replace("bounces+r2n9c-", "bounces+r2n9d-")  # another id, the same MAC
        assert verp.recipient_id_of(forged) is None
        assert verp.recipient_id_of("someone@example.org") is None
