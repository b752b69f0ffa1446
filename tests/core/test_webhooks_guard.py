"""The SSRF guard: internal addresses are refused before any connection is
made, unless the host is allowed; the sender connects to the address it
checked (pinned), never resolving twice."""

from __future__ import annotations

import json
import socket

import pytest

from app import settings
from app.extensions import db
from app.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks import guard, sender, signing
from tests.webhooks import Receiver

INTERNAL = ["http://127.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hook",
            "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://[::ffff:10.0.0.1]/hook",
            "http://192.168.1.20/hook", "http://172.16.0.1/hook", "http://100.64.0.1/hook", "http://0.0.0.0/hook",
            "http://224.0.0.1/hook", "http://[fe80::1]/hook", "http://[fd00::1]/hook", "http://localhost/hook"]


@pytest.fixture
def connections(monkeypatch):
    """Every connection the sender opens, as (address, port): none may happen for a refused URL."""
    opened = []
    real = socket.create_connection

    def spy(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(sender.socket, "create_connection", spy)
    return opened


def allow(app, hosts: str) -> None:
    settings.put("core", {"webhooks_allowed_hosts": hosts})
    db.session.commit()
    settings.forget()


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_before_connecting(app, ctx, connections, url):
    answer = sender.post(url, b"{}", {}, timeout=1, deadline=2)
    assert answer.refused and answer.status is None
    assert "address" in answer.error and "Admin → Webhooks → Settings" in answer.error
    assert connections == []


def test_the_four_addresses_of_the_issue_name_their_kind(app, ctx):
    kinds = {url: guard.why_blocked(guard.normal_host(guard.split(url)[1])) for url in (
        "http://127.0.0.1/", "http://169.254.169.254/", "http://10.0.0.1/", "http://[::1]/")}
    assert kinds == {"http://127.0.0.1/": "loopback", "http://169.254.169.254/": "link-local",
                     "http://10.0.0.1/": "private", "http://[::1]/": "loopback"}
    assert guard.why_blocked("93.184.215.14") is None
    assert guard.why_blocked("2606:4700::1111") is None


def test_a_refused_delivery_sends_nothing_and_says_why(app, ctx, connections):
    with Receiver() as receiver:
        endpoint = WebhookEndpoint(url=receiver.url, events=json.dumps(["contact.created"]),
                                   secret=signing.new_secret(), given_up_in_a_row=0, disabled_reason="")
        db.session.add(endpoint)
        db.session.commit()
        from modules.contacts.people import records

        records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.commit()
        from app.webhooks.delivery import attempt

        delivery_id = db.session.scalar(db.select(WebhookDelivery.id))
        outcome, _ = attempt(delivery_id)
        assert outcome == "retrying"
        assert receiver.requests == []
    assert connections == []
    tried = db.session.scalar(db.select(WebhookAttempt))
    assert tried.status_code is None and "127.0.0.1 is 127.0.0.1, a loopback address" in tried.error


def test_an_allowed_host_is_reached(app, ctx, connections):
    with Receiver() as receiver:
        allow(app, "127.0.0.1")
        answer = sender.post(receiver.url, b'{"a":1}', {"webhook-id": "msg_1"}, timeout=2, deadline=5)
        assert answer.status == 200 and len(receiver.requests) == 1
    assert connections == [("127.0.0.1", receiver.port)]


def test_the_resolved_address_is_pinned(app, ctx, connections, monkeypatch):
    """The name is resolved once and the connection goes to that address,
    with the name in the Host header: a second, different DNS answer
    (rebinding) is never asked for."""
    lookups = []
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)  # connecting to a literal address
        lookups.append(host)
        answer = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(guard.socket, "getaddrinfo", fake_getaddrinfo)
    with Receiver() as receiver:
        allow(app, "hooks.example.test")
        url = f"http://hooks.example.test:{receiver.port}/in"
        answer = sender.post(url, b"{}", {}, timeout=2, deadline=5)
        assert answer.status == 200
        assert receiver.requests[0].headers["host"] == f"hooks.example.test:{receiver.port}"
    assert lookups == ["hooks.example.test"]
    assert connections == [("127.0.0.1", receiver.port)]


def test_a_name_resolving_to_an_internal_address_is_refused(app, ctx, connections, monkeypatch):
    monkeypatch.setattr(guard.socket, "getaddrinfo", lambda host, port, *a, **k: [  # one public, one not
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:169.254.169.254", port, 0, 0))])
    answer = sender.post("https://rebind.example.test/hook", b"{}", {}, timeout=1, deadline=2)
    assert answer.refused and "::ffff:169.254.169.254" in answer.error and "link-local" in answer.error
    assert connections == []


def test_redirects_are_not_followed(app, ctx, connections):
    with Receiver() as receiver:
        allow(app, "127.0.0.1")
        receiver.answers = [(302, 0)]
        answer = sender.post(receiver.url, b"{}", {}, timeout=2, deadline=5)
    assert answer.status == 302 and answer.error.startswith("Redirects are not followed")
    assert len(connections) == 1


@pytest.mark.parametrize("url", ["ftp://example.org/x", "https://user:pw@example.org/x", "example.org/hook"])
def test_only_plain_http_urls(app, ctx, url):
    with pytest.raises(guard.Refused):
        guard.split(url)
