"""The API fuzzed against its own OpenAPI document (schemathesis, through
WSGI): with a valid administrator's token, no request (valid, or one the
document forbids) makes a server error, and every response matches the document (status, content type, headers,
body). Runs on SQLite, and on PostgreSQL with DATABASE_URL set."""

from __future__ import annotations

from itertools import product

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from tests.api_client import api_for, make_token

EXAMPLES = 15
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)  # valid requests, and requests the document forbids
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def token(app, admin, monkeypatch):
    """An administrator's token, some records for the fuzzer to find, no rate limit in the way."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1000000/minute")
    api = api_for(app, admin.email)
    person = api.post("contacts", json={"first_name": "Fuzz", "emails": [{"email": "fuzz@example.org"}],
                                        "tags": ["T"], "external_ids": {"x": "1"}}).get_json()
    home = api.post("households", json={"name": "Fuzz home"}).get_json()
    api.post("organisations", json={"name": "Fuzz Ltd"})
    api.post(f"contacts/{person['id']}/notes", json={"body": "A note"})
    api.post("tasks", json={"title": "A task", "contact_id": home["id"]})
    # Marketing and helpdesk records, so their reads and writes find something.
    topic = api.post("topics", json={"name": "Fuzz topic"}).get_json()
    api.post(f"contacts/{person['id']}/subscriptions", json={"topic_id": topic["id"], "subscribed": True})
    api.post("suppressions", json={"email": "gone@example.org"})
    ticket = api.post("tickets", json={"subject": "Fuzz", "requester_email": "fuzz@example.org",
                                       "text": "A question"}).get_json()
    api.post(f"tickets/{ticket['id']}/messages", json={"kind": "note", "text": "A note"})
    api.post("kb/articles", json={"title": "Fuzz article", "visibility": "internal"})
    gift = api.post("gifts", json={"contact_id": person["id"], "amount": "12.50", "received_on": "2026-01-02",
                                   "soft_credits": [{"contact_id": home["id"]}], "external_ids": {"x": "1"}})
    assert gift.status_code == 201, gift.get_json()
    stage = api.get("pipelines").get_json()["data"][0]["stages"][0]
    api.post("opportunities", json={"stage_id": stage["id"], "contact_id": person["id"], "name": "Fuzz grant",
                                    "amount": "100.00", "currency": "USD"})
    api.post("funds", json={"name": "Fuzz fund"})
    with app.app_context():
        from modules.contacts.models import Segment

        db.session.add(Segment(name="All", filters={"q": "", "f": []}, owner_id=admin.id))
        db.session.commit()
    return make_token(app, admin.email, name="schemathesis")


def test_the_api_matches_its_document(app, token):
    """Each operation in turn, its cases generated from the document (a
    loop rather than schemathesis' pytest plugin, whose lazy loader does
    not run under pytest 9)."""
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for result, mode in product(list(api_schema.get_all_operations()), MODES):
        operation = result.ok()
        operations += mode == GenerationMode.POSITIVE

        @given(case=operation.as_strategy(mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 (collected: every operation is tried)
            failures.append(f"{operation.label} ({mode}): {str(error)[:1500]}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)
