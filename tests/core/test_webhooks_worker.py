"""A real `flask worker` process sends webhooks: the first try fails, RQ's
scheduler brings the retry back after its 5 seconds, the second succeeds."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.models import WebhookAttempt, WebhookDelivery
from tests.core.test_webhooks_delivery import add_endpoint, new_contact
from tests.webhooks import Receiver, verify
from tests.workers import start_worker, stop


def test_a_real_worker_delivers_and_retries_after_its_backoff(app, tmp_path):
    with Receiver() as receiver:
        _, secret = add_endpoint(app, receiver.url)
        receiver.answers = [(500, 0)]
        new_contact(app)
        worker, log = start_worker(app, tmp_path)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                with app.app_context():
                    delivery = db.session.scalar(db.select(WebhookDelivery))
                    if delivery.status != "pending":
                        break
                assert worker.poll() is None, log.read_text()
                time.sleep(0.3)
            else:
                pytest.fail("the worker did not deliver:\n" + log.read_text()[-3000:])
        finally:
            stop(worker, log)
        assert delivery.status == "delivered" and delivery.attempts == 2
        assert len(receiver.requests) == 2 and len(set(receiver.ids())) == 1
        assert all(verify(secret, r.headers, r.body) for r in receiver.requests)
    with app.app_context():
        first, second = db.session.scalars(db.select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        assert (first.status_code, second.status_code) == (500, 200)
        gap = (second.started_at - first.started_at).total_seconds()
        assert gap >= 5  # the first retry waits 5 s
