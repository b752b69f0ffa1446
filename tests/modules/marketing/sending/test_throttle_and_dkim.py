"""Throttling shared by every worker (Redis counters), the hourly cap that
makes a send wait for the next hour, and DKIM signatures that verify and
cover both unsubscribe headers."""

from __future__ import annotations

import base64
import subprocess
import threading
from types import SimpleNamespace

import dkim
import redis as redis_lib
from rq import Queue

from app.extensions import db
from app.jobs import queue
from app.models import Job
from modules.marketing.sending import throttle
from modules.marketing.sending.options import Options
from tests.browser.conftest import run_jobs
from tests.conftest import shared_redis_url
from tests.modules.marketing.sending.helpers import campaign_state, deliveries, make_campaign, run_all

HOUR = 3600


def _options(**limits) -> Options:
    base = dict(batch_size=200, rate=0, hourly_cap=0, daily_cap=0, pause_share=20, bounce_domain="",
                dkim_selector="", dkim_domain="", dkim_key="")
    return Options(**{**base, **limits})


def test_a_cap_is_shared_by_several_workers(app):
    """Four workers, each with its own Redis connection, asking at once:
    exactly the cap goes, the rest is told to wait for the next hour."""
    options, now, granted, waits = _options(hourly_cap=10), 1_000_000 * HOUR + 5.0, [], []

    def worker():
        connection = redis_lib.Redis.from_url(shared_redis_url())
        for _ in range(6):
            wait = throttle.take(connection, options, now)
            (granted if wait is None else waits).append(wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 10 and len(waits) == 14
    assert {(w.window, w.until) for w in waits} == {("hour", 1_000_001 * HOUR)}


def test_the_rate_per_second_waits_for_the_next_second(app):
    connection = app.extensions["steward"].redis
    options, now = _options(rate=3), 1_700_000_000.25
    assert [throttle.take(connection, options, now) for _ in range(3)] == [None, None, None]
    assert throttle.take(connection, options, now) == throttle.Wait("second", 1_700_000_001)
    assert throttle.take(connection, options, now + 1) is None  # a new second
    assert throttle.used(connection, "second", now) == 3


def test_the_hourly_cap_holds_the_send_until_the_hour_opens(app, smtp, admin_client, monkeypatch):
    campaign_id = make_campaign(app, 5, send_batch_size=2, send_hourly_cap=3)
    run_jobs(app)

    state = campaign_state(app, campaign_id)
    assert state["status"] == "sending" and state["sent"] == 3 and state["rows"] == {"sent": 3, "queued": 2}
    assert sum(deliveries(smtp).values()) == 3
    with app.app_context():
        waiting = db.session.get(Job, state["job_id"])
        assert waiting.status == Job.QUEUED and waiting.message.startswith("Waiting for the hourly cap")
        scheduled = Queue(queue().name, connection=app.extensions["steward"].redis).scheduled_job_registry
        [(rq_id, at)] = [(i, scheduled.get_scheduled_time(i)) for i in scheduled.get_job_ids()]
        assert rq_id == f"steward-job-{waiting.id}" and at.minute == 0 and at.second == 0
    page = admin_client.get(f"/marketing/campaigns/{campaign_id}/progress").get_data(as_text=True)
    assert "Waiting for the hourly cap" in page

    # An hour later the window opens: the rest goes, each once.
    real = throttle.time.time
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: real() + HOUR))
    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": 5}
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(5)}


def _key_pair(tmp_path) -> tuple[str, str]:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "2048"], check=True,
                   capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                            capture_output=True).stdout
    return key.read_text(), base64.b64encode(public).decode()


def test_dkim_signature_verifies_and_covers_the_unsubscribe_headers(app, smtp, tmp_path):
    private, public = _key_pair(tmp_path)
    make_campaign(app, 2, dkim_selector="steward", dkim_domain="park.example.org", dkim_private_key=private)
    run_all(app)
    assert len(smtp.inbox.received) == 2
    asked = []

    def dns(name, timeout=5):
        asked.append(name)
        return f"v=DKIM1; k=rsa; p={public}".encode() if name == b"steward._domainkey.park.example.org." else None

    for received in smtp.inbox.received:
        assert dkim.verify(received.content, dnsfunc=dns)
        signature = received.content.split(b"\r\n\r\n", 1)[0].decode().replace("\r\n", "").replace("\t", "")
        signed = signature.split(" h=", 1)[1].split(";", 1)[0].lower().replace(" ", "").split(":")
        assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject", "list-id"} <= set(signed)
        tampered = received.content.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                                            b"List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks")
        assert not dkim.verify(tampered, dnsfunc=dns)
    assert asked and all(a == b"steward._domainkey.park.example.org." for a in asked)


def test_a_cap_reached_while_retrying_deferred_rows_keeps_them_deferred(app, smtp, monkeypatch):
    """The retry pass stopped by the cap puts its untried rows back as
    deferred (below the checkpoint, queued rows would never be seen again)."""
    smtp.inbox.answers = {"person0@example.org": "451 4.7.1 Greylisted, try again"}
    smtp.inbox.answer_times = {"person0@example.org": 1}
    campaign_id = make_campaign(app, 5, send_batch_size=5, send_hourly_cap=5, send_pause_share=100)
    run_jobs(app)  # 5 tries use the hour's 5: person0 deferred, four sent
    state = campaign_state(app, campaign_id)
    assert state["rows"] == {"sent": 4, "deferred": 1}
    run_all(app, rounds=1)  # the retry job: the cap is still full
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sending" and state["rows"] == {"sent": 4, "deferred": 1}

    real = throttle.time.time
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: real() + HOUR))
    run_all(app)
    state = campaign_state(app, campaign_id)
    assert state["status"] == "sent" and state["rows"] == {"sent": 5}
    assert deliveries(smtp) == {f"person{i}@example.org": 1 for i in range(5)}
