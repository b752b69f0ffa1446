"""Webhook delivery end to end: a real receiver on 127.0.0.1 (allowed by
the setting), events from the modules' signals, RQ jobs run as a worker
runs them, signatures checked with the standard library."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rq import SimpleWorker

from app import settings
from app.extensions import db
from app.jobs import queue
from app.models import MailMessage, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow
from app.webhooks import delivery as sending
from app.webhooks import signing
from app.webhooks.sweep import sweep
from tests.conftest import make_user
from tests.smtp import SMTPServer
from tests.webhooks import Receiver, verify


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def fast(app):
    """Retries without waiting (every retry lands in the same burst of the worker), short timeouts."""
    saved = {k: app.config.get(k) for k in ("WEBHOOK_RETRY_DELAYS", "WEBHOOK_TIMEOUT", "WEBHOOK_DEADLINE")}
    app.config.update(WEBHOOK_RETRY_DELAYS=(0, 0, 0), WEBHOOK_TIMEOUT=0.5, WEBHOOK_DEADLINE=2)
    yield app.config
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def smtp_server(app):
    """aiosmtpd on 127.0.0.1, and the app sending through it for this test."""
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", server.port
        yield server
    app.config.update(saved)
    app.extensions["mail"].server, app.extensions["mail"].port = saved["MAIL_SERVER"], saved["MAIL_PORT"]


def work(app) -> None:
    with app.app_context():
        SimpleWorker([queue()], connection=app.extensions["steward"].redis).work(burst=True)


def add_endpoint(app, url: str, events=("contact.created",), allow: str = "127.0.0.1", **extra) -> tuple[int, str]:
    with app.app_context():
        settings.put("core", {"webhooks_allowed_hosts": allow})
        endpoint = WebhookEndpoint(url=url, events=json.dumps(list(events)), secret=signing.new_secret(),
                                   notify_email="hooks@example.org", given_up_in_a_row=0, disabled_reason="", **extra)
        db.session.add(endpoint)
        db.session.commit()
        return endpoint.id, endpoint.secret


def new_contact(app, first="Ada", last="Lovelace", email="ada@example.org") -> int:
    from modules.contacts.people import records
    from modules.contacts.people.records import Details

    with app.app_context():
        contact = records.create("person", {"first_name": first, "last_name": last},
                                 Details(emails=[{"email": email, "label": "home", "is_primary": True}]))
        db.session.commit()
        return contact.id


def deliveries(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        return [(d.message.type, d.status, d.attempts) for d in
                db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_a_new_contact_reaches_the_receiver_signed(app, fast, receiver):
    _, secret = add_endpoint(app, receiver.url)
    cid = new_contact(app)
    work(app)
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert verify(secret, got.headers, got.body)
    assert not verify(signing.new_secret(), got.headers, got.body)
    payload = got.json
    assert payload["type"] == "contact.created"
    assert payload["id"] == got.headers["webhook-id"]
    assert payload["data"]["id"] == cid and payload["data"]["contact_id"] == cid
    assert payload["data"]["display_name"] == "Ada Lovelace" and payload["data"]["email"] == "ada@example.org"
    assert abs(int(got.headers["webhook-timestamp"]) - utcnow().timestamp()) < 60
    assert got.path == "/hook" and got.headers["content-type"] == "application/json"
    assert deliveries(app) == [("contact.created", "delivered", 1)]
    with app.app_context():
        attempt = db.session.scalar(db.select(WebhookAttempt))
        assert attempt.status_code == 200 and '"ok": true' in attempt.response_body


def test_nothing_is_stored_when_no_endpoint_wants_the_event(app, fast, receiver):
    add_endpoint(app, receiver.url, events=("gift.recorded",))
    new_contact(app)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WebhookMessage.id))) == 0
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0
    work(app)
    assert receiver.requests == []


def test_a_change_rolled_back_sends_no_event(app, fast, receiver):
    """The outbox row is written in the change's transaction: no change, no event."""
    from modules.contacts.people import records

    add_endpoint(app, receiver.url)
    with app.app_context():
        records.create("person", {"first_name": "Never", "last_name": "Saved"})
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(WebhookMessage.id))) == 0
    work(app)
    assert receiver.requests == []


def test_retries_after_500s_until_it_is_delivered_once(app, fast, receiver):
    _, secret = add_endpoint(app, receiver.url)
    receiver.answers = [(500, 0), (503, 0)]
    new_contact(app)
    work(app)
    assert [r.headers["webhook-id"] for r in receiver.requests].count(receiver.ids()[0]) == 3
    assert len(receiver.requests) == 3 and len(set(receiver.ids())) == 1
    assert all(verify(secret, r.headers, r.body) for r in receiver.requests)
    assert deliveries(app) == [("contact.created", "delivered", 3)]
    with app.app_context():
        codes = db.session.scalars(db.select(WebhookAttempt.status_code).order_by(WebhookAttempt.id)).all()
        assert codes == [500, 503, 200]
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        assert endpoint.active and endpoint.failing_since is None


def test_a_timeout_is_retried_and_the_receiver_sees_the_same_id_again(app, fast, receiver):
    """At least once: the first request arrived but its answer came too late."""
    add_endpoint(app, receiver.url)
    receiver.answers = [(200, 1.5)]
    new_contact(app)
    work(app)
    assert len(receiver.requests) == 2 and len(set(receiver.ids())) == 1
    assert deliveries(app) == [("contact.created", "delivered", 2)]
    with app.app_context():
        first = db.session.scalar(db.select(WebhookAttempt).order_by(WebhookAttempt.id))
        assert first.status_code is None and first.error.startswith("Timed out")


def test_the_backoff_waits_longer_each_time(app):
    with app.app_context():
        assert sending.RETRY_DELAYS == (5, 300, 1800, 7200, 18000, 36000, 36000)
        assert sum(sending.RETRY_DELAYS) / 3600 > 24  # about a day of retries


def test_given_up_after_the_last_retry(app, fast, receiver):
    fast["WEBHOOK_RETRY_DELAYS"] = (0, 0)
    add_endpoint(app, receiver.url)
    receiver.default = (500, 0)
    new_contact(app)
    work(app)
    assert len(receiver.requests) == 3
    assert deliveries(app) == [("contact.created", "given_up", 3)]


def test_a_retry_waits_in_rq_for_its_delay(app, fast, receiver):
    fast["WEBHOOK_RETRY_DELAYS"] = (300,)
    add_endpoint(app, receiver.url)
    receiver.answers = [(500, 0)]
    new_contact(app)
    work(app)
    assert len(receiver.requests) == 1
    with app.app_context():
        delivery = db.session.scalar(db.select(WebhookDelivery))
        assert delivery.status == "pending" and delivery.attempts == 1
        wait = (delivery.next_attempt_at - utcnow()).total_seconds()
        assert 280 < wait <= 300
        assert len(queue().scheduled_job_registry.get_job_ids()) == 1


def test_events_for_one_contact_arrive_in_order(app, fast, receiver):
    from modules.contacts.people import records

    add_endpoint(app, receiver.url, events=("contact.created", "contact.updated"))
    receiver.answers = [(500, 0)]  # the first event fails once
    with app.app_context():
        contact = records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.flush()
        records.update(contact, {"first_name": "Augusta"})
        db.session.commit()
    work(app)
    types = [r.json["type"] for r in receiver.requests]
    assert types == ["contact.created", "contact.created", "contact.updated"]
    assert receiver.requests[-1].json["data"]["changed"] == ["first_name"]
    assert deliveries(app) == [("contact.created", "delivered", 2), ("contact.updated", "delivered", 1)]


def test_replay_sends_the_same_event_again(app, fast, receiver, admin_client):
    add_endpoint(app, receiver.url)
    new_contact(app)
    work(app)
    with app.app_context():
        first = db.session.scalar(db.select(WebhookDelivery))
    from tests.conftest import csrf_from

    token = csrf_from(admin_client, f"/admin/webhooks/deliveries/{first.id}")
    response = admin_client.post(f"/admin/webhooks/deliveries/{first.id}/replay", data={"csrf_token": token})
    assert response.status_code == 303
    work(app)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert receiver.ids()[0] == receiver.ids()[1]
    with app.app_context():
        rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        assert [(d.status, d.replay_of_id) for d in rows] == [("delivered", None), ("delivered", first.id)]
    page = admin_client.get(f"/admin/webhooks/deliveries/{rows[1].id}").get_data(as_text=True)
    assert "Delivered" in page and f"delivery #{first.id}" in page and "HTTP 200" in page


def test_410_gone_disables_the_endpoint_at_once_and_mails_its_contact(app, fast, receiver):
    endpoint_id, _ = add_endpoint(app, receiver.url)
    receiver.answers = [(410, 0)]
    new_contact(app)
    work(app)
    assert len(receiver.requests) == 1
    assert deliveries(app) == [("contact.created", "given_up", 1)]
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert not endpoint.active and "410 Gone" in endpoint.disabled_reason
        mail = db.session.scalar(db.select(MailMessage))
        assert mail.recipient == "hooks@example.org" and receiver.url in mail.subject
    new_contact(app, "Grace", "Hopper", "grace@example.org")
    work(app)
    assert len(receiver.requests) == 1  # disabled: nothing more is sent
    assert len(deliveries(app)) == 1


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_contact_told(app, fast, receiver, smtp_server):
    endpoint_id, _ = add_endpoint(app, receiver.url, failing_since=utcnow() - timedelta(hours=25))
    receiver.default = (502, 0)
    new_contact(app)
    work(app)
    assert len(receiver.requests) == 1  # disabled after the first failure: its waiting delivery waits
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert not endpoint.active and "Every attempt failed for 24 hours" in endpoint.disabled_reason
        assert "HTTP 502" in endpoint.disabled_reason
        delivery = db.session.scalar(db.select(WebhookDelivery))
        assert delivery.status == "pending"
    message = smtp_server.inbox.messages[0]
    assert message["To"] == "hooks@example.org"
    assert message["Subject"] == f"Webhook endpoint disabled: {receiver.url}"
    assert f"/admin/webhooks/{endpoint_id}" in message.get_body(("plain",)).get_content()

    # Enabled again, the waiting delivery is sent.
    receiver.default = (200, 0)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert sending.enable(endpoint) == 1
        db.session.commit()
    work(app)
    assert len(receiver.requests) == 2
    assert deliveries(app) == [("contact.created", "delivered", 2)]


def test_deliveries_given_up_in_a_row_disable_the_endpoint(app, fast, receiver):
    fast.update(WEBHOOK_RETRY_DELAYS=(), WEBHOOK_DISABLE_AFTER_GIVEN_UP=2)
    endpoint_id, _ = add_endpoint(app, receiver.url)
    receiver.default = (500, 0)
    try:
        new_contact(app)
        work(app)
        with app.app_context():
            assert db.session.get(WebhookEndpoint, endpoint_id).active
        new_contact(app, "Grace", "Hopper", "grace@example.org")
        work(app)
    finally:
        fast.pop("WEBHOOK_DISABLE_AFTER_GIVEN_UP")
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert not endpoint.active and "2 deliveries in a row were given up" in endpoint.disabled_reason
    assert [s for _, s, _ in deliveries(app)] == ["given_up", "given_up"]


def test_a_rotated_secret_signs_with_both_for_a_day(app, fast, receiver):
    endpoint_id, old = add_endpoint(app, receiver.url)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        signing.rotate(endpoint, utcnow())
        db.session.commit()
        new = endpoint.secret
    assert new != old
    new_contact(app)
    work(app)
    got = receiver.requests[0]
    assert len(got.headers["webhook-signature"].split()) == 2
    assert verify(old, got.headers, got.body) and verify(new, got.headers, got.body)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        endpoint.previous_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    new_contact(app, "Grace", "Hopper", "grace@example.org")
    work(app)
    got = receiver.requests[1]
    assert len(got.headers["webhook-signature"].split()) == 1
    assert verify(new, got.headers, got.body) and not verify(old, got.headers, got.body)


def test_erasing_a_contact_strips_its_earlier_events_and_sends_no_personal_data(app, fast, receiver):
    from modules.contacts.people import privacy, records

    endpoint_id, _ = add_endpoint(app, receiver.url, events=("contact.created", "contact.erased"), active=False)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        endpoint.active = True
        db.session.commit()
    receiver.default = (500, 0)
    fast["WEBHOOK_RETRY_DELAYS"] = (300,)  # the created event waits for its retry
    cid = new_contact(app, "Ada", "Lovelace", "ada@example.org")
    work(app)
    assert "Lovelace" in receiver.requests[0].body.decode()
    receiver.default = (200, 0)
    with app.app_context():
        privacy.erase(records.load(cid))
        db.session.commit()
        payloads = db.session.scalars(db.select(WebhookMessage.payload)).all()
        waiting = db.session.scalars(db.select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")).all()
    assert len(payloads) == 2
    for text in payloads:
        assert "Lovelace" not in text and "ada@example.org" not in text and "Ada" not in text
        assert json.loads(text)["data"] == {"id": cid, "contact_id": cid, "erased": True}
    with app.app_context():
        db.session.execute(db.update(WebhookDelivery).values(next_attempt_at=utcnow()))
        sending.enqueue_ids(waiting)
        db.session.commit()
    work(app)
    later = receiver.requests[1:]
    assert [r.json["type"] for r in later] == ["contact.created", "contact.erased"]
    assert all(b"Lovelace" not in r.body and b"ada@example.org" not in r.body for r in later)


def test_gifts_and_stage_changes_are_events_too(app, fast, receiver):
    from modules.pipeline import gifts

    add_endpoint(app, receiver.url, events=("gift.recorded",))
    cid = new_contact(app)
    with app.app_context():
        gift = gifts.record_gift(contact_id=cid, amount=Decimal("25.5"), received_on=date(2026, 12, 1),
                                 currency="EUR")
        db.session.commit()
        gift_id = gift.id
    work(app)
    assert len(receiver.requests) == 1
    data = receiver.requests[0].json["data"]
    assert receiver.requests[0].json["type"] == "gift.recorded"
    assert data["id"] == gift_id and data["contact_id"] == cid
    assert data["amount"] == "25.50" and data["currency"] == "EUR" and data["received_on"] == "2026-12-01"


def test_a_refund_is_an_event_and_code_may_emit_declared_events(app, fast, receiver):
    from app.webhooks import Occurrence, emit
    from modules.pipeline import gifts, signals

    add_endpoint(app, receiver.url, events=("gift.refunded",))
    cid = new_contact(app)
    with app.app_context():
        gift = gifts.record_gift(contact_id=cid, amount=Decimal("40"), received_on=date(2026, 12, 1))
        signals.gift_refunded.send(gift, amount=Decimal("15.00"), full=False, user=None)  # as Stripe's refund does
        emit("gift.refunded", Occurrence(7, {"id": 7, "contact_id": 3, "amount": "10.00"}, 3))
        db.session.commit()
        gift_id = gift.id
        with pytest.raises(LookupError):
            emit("gift.vanished", [])
    work(app)
    sent = [r.json["data"] for r in receiver.requests]
    assert [r.json["type"] for r in receiver.requests] == ["gift.refunded", "gift.refunded"]
    assert sent[0]["id"] == gift_id and sent[0]["amount"] == "40.00"
    assert sent[0]["refunded_amount"] == "15.00" and sent[0]["refunded_in_full"] is False
    assert sent[1]["id"] == 7


def test_the_sweep_sends_deliveries_whose_job_was_lost(app, fast, receiver):
    add_endpoint(app, receiver.url)
    new_contact(app)
    with app.app_context():
        app.extensions["steward"].redis.flushdb()  # Redis lost the job
        db.session.execute(db.update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    work(app)
    assert receiver.requests == []
    with app.app_context():
        ran = sweep()
        assert ran.summary == "queued 1 stranded webhook deliveries"
    work(app)
    assert len(receiver.requests) == 1
    with app.app_context():
        assert sweep().summary == "no stranded webhook deliveries"


def test_purged_and_merged_contacts_are_events(app, fast, receiver):
    from modules.contacts.dedupe import merge
    from modules.contacts.people import records

    add_endpoint(app, receiver.url, events=("contact.deleted", "contact.merged"))
    keep = new_contact(app, "Ada", "Lovelace", "ada@example.org")
    twin = new_contact(app, "Ada", "Lovelace", "ada.l@example.org")
    gone = new_contact(app, "Grace", "Hopper", "grace@example.org")
    with app.app_context():
        merge.merge(records.load(keep), records.load(twin), {})
        db.session.commit()
        dead = records.load(gone)
        records.trash([dead])
        records.purge([dead])
        db.session.commit()
    work(app)
    by_type = {r.json["type"]: r.json["data"] for r in receiver.requests}
    assert set(by_type) == {"contact.merged", "contact.deleted"}
    assert by_type["contact.merged"]["id"] == keep and by_type["contact.merged"]["merged_contact_id"] == twin
    assert by_type["contact.deleted"] == {"id": gone, "contact_id": gone, "erased": True, "deleted": True}


def test_the_sweep_forgets_old_finished_events_but_not_waiting_ones(app, fast, receiver):
    add_endpoint(app, receiver.url)
    new_contact(app)
    work(app)
    receiver.default = (500, 0)
    fast["WEBHOOK_RETRY_DELAYS"] = (3600,)
    new_contact(app, "Grace", "Hopper", "grace@example.org")
    work(app)
    with app.app_context():
        db.session.execute(db.update(WebhookMessage).values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        assert sweep().summary == "no stranded webhook deliveries; forgot 1 old event(s)"
        left = db.session.scalars(db.select(WebhookDelivery.status)).all()
        assert left == ["pending"]
        assert db.session.scalar(db.select(db.func.count(WebhookAttempt.id))) == 1


def test_stage_changes_and_unsubscribes_are_events(app, fast, receiver):
    from modules.contacts.people import records
    from modules.marketing import subscriptions
    from modules.marketing.models import Topic
    from modules.pipeline import opportunities
    from modules.pipeline.models import Pipeline, Stage

    add_endpoint(app, receiver.url, events=("opportunity.stage_changed", "contact.unsubscribed"))
    cid = new_contact(app, "Alan", "Turing", "alan@example.org")
    with app.app_context():
        pipeline = db.session.scalars(db.select(Pipeline).order_by(Pipeline.id)).first()
        first, second = db.session.scalars(db.select(Stage).where(Stage.pipeline_id == pipeline.id)
                                           .order_by(Stage.position)).all()[:2]
        opp = opportunities.create(stage=first, contact_id=cid, name="Major gift", amount=Decimal("1000"))
        opportunities.move(opp, second)
        topic = Topic(name="Newsletter", slug="newsletter-hooks")
        db.session.add(topic)
        db.session.flush()
        contact = records.load(cid)
        origin = subscriptions.Origin(source="admin")
        subscriptions.change(contact, topic, True, origin)  # subscribing: not chosen, not sent
        subscriptions.change(contact, topic, False, origin)
        db.session.commit()
        ids = (opp.id, first.id, second.id, topic.id)
    work(app)
    sent = [(r.json["type"], r.json["data"]) for r in receiver.requests]
    assert [t for t, _ in sent] == ["opportunity.stage_changed", "opportunity.stage_changed", "contact.unsubscribed"]
    opp_id, first_id, second_id, topic_id = ids
    assert sent[0][1]["id"] == opp_id and sent[0][1]["from_stage"] is None and sent[0][1]["to_stage"]["id"] == first_id
    assert sent[1][1]["from_stage"]["id"] == first_id and sent[1][1]["to_stage"]["id"] == second_id
    assert sent[1][1]["amount"] == "1000.00"  # two places, though 1000 was given
    assert sent[2][1]["contact_id"] == cid and sent[2][1]["topic"]["id"] == topic_id
    assert sent[2][1]["subscribed"] is False and sent[2][1]["source"] == "admin"


def test_an_admin_sends_a_test_event_to_one_endpoint(app, fast, receiver, admin_client):
    from tests.conftest import csrf_from

    endpoint_id, secret = add_endpoint(app, receiver.url, events=("gift.recorded",))
    other_id, _ = add_endpoint(app, receiver.url + "/other", events=("gift.recorded",))
    token = csrf_from(admin_client, f"/admin/webhooks/{endpoint_id}")
    response = admin_client.post(f"/admin/webhooks/{endpoint_id}/test", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "A test event is on its way." in response.get_data(as_text=True)
    work(app)
    assert len(receiver.requests) == 1 and receiver.requests[0].path == "/hook"
    got = receiver.requests[0]
    assert verify(secret, got.headers, got.body)
    assert got.json["type"] == "webhook.test" and got.json["data"]["message"] == "A test from Steward"
    page = admin_client.get(f"/admin/webhooks/{endpoint_id}?status=delivered").get_data(as_text=True)
    assert ">webhook.test</a>" in page and "Nothing sent to this endpoint yet." not in page
    other = admin_client.get(f"/admin/webhooks/{other_id}").get_data(as_text=True)
    assert ">webhook.test</a>" not in other and "Nothing sent to this endpoint yet." in other


def test_a_stripe_donation_and_its_refunds_reach_the_receiver_in_order(app, fast, receiver, client):
    """Stripe's signed events in (tests/modules/pipeline/stripe_events.py), webhooks out."""
    from tests.modules.pipeline import stripe_events as se

    make_user(app)
    with app.app_context():
        settings.put("pipeline", {"stripe_signing_secret": se.SECRET})
        db.session.commit()
    add_endpoint(app, receiver.url, events=("gift.recorded", "gift.refunded"))
    se.post(client, se.event("checkout.session.completed", se.checkout_paid(amount=2500)))
    se.post(client, se.event("charge.refunded", se.charge_refunded(refunded=1000)))
    assert b"refunded in full" in se.post(client, se.event("charge.refunded", se.charge_refunded(refunded=2500))).data
    work(app)
    sent = [(r.json["type"], r.json["data"]) for r in receiver.requests]
    assert [t for t, _ in sent] == ["gift.recorded", "gift.refunded", "gift.refunded"]
    assert len({d["id"] for _, d in sent}) == 1 and len({d["contact_id"] for _, d in sent}) == 1
    assert (sent[0][1]["amount"], sent[1][1]["refunded_amount"], sent[1][1]["refunded_in_full"]) == (
        "25.00", "10.00", False)
    assert (sent[2][1]["amount"], sent[2][1]["refunded_amount"], sent[2][1]["refunded_in_full"]) == (
        "15.00", "15.00", True)
