"""The same create sent several times at once, over real HTTP on a threaded
server: one record, and every answer is that record's."""

from __future__ import annotations

import json
import threading
import urllib.request

from app.extensions import db
from modules.contacts.models import Contact
from tests.api_client import make_token


def test_simultaneous_retries_make_one_record(app, admin, server):
    token = make_token(app, admin.email)
    body = json.dumps({"first_name": "Racer", "emails": [{"email": "racer@example.org"}]}).encode()
    answers, barrier = [], threading.Barrier(6)

    def send():
        request = urllib.request.Request(f"{server}/api/v1/contacts", data=body, method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": "race-1"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the test server)
                answers.append((response.status, json.load(response)["id"]))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read().decode()[:300]))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(answers) == 6
    assert {status for status, _ in answers} == {201}, answers
    assert len({cid for _, cid in answers}) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 1
