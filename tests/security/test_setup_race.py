"""Two first-run setups at once (issue 14, finding 6): one administrator is
made, and the other submission is sent to sign in, never a 500.

Two real requests run in two threads against the session app and its real
database. A gate on the database connection holds each request at its
first look for existing users until both have looked, so both see an empty
database: the race is lost the same way on every run, not by chance."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, csrf_from


def _gate():
    """A listener that holds each thread at its first SELECT from core_user
    until two threads have reached it."""
    barrier = threading.Barrier(2, timeout=15)
    seen = threading.local()

    def wait_for_the_other(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM core_user" in statement \
                and not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()

    return wait_for_the_other


@pytest.mark.parametrize("emails", [("grace@example.org", "ada@example.org"),
                                    ("grace@example.org", "grace@example.org")], ids=["two-emails", "one-email"])
def test_simultaneous_setups_make_one_administrator(app, emails):
    clients = [app.test_client() for _ in emails]
    tokens = [csrf_from(client, "/setup") for client in clients]
    responses: list = [None, None]
    errors: list = []

    def submit(i: int) -> None:
        try:
            responses[i] = clients[i].post("/setup", data={
                "csrf_token": tokens[i], "org_name": f"Food Bank {i}", "name": f"Person {i}",
                "email": emails[i], "password": PASSWORD, "confirm": PASSWORD})
        except Exception as error:  # noqa: BLE001 (a crash in the view is what this test looks for)
            errors.append(f"request {i}: {type(error).__name__}: {error}")

    gate = _gate()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", gate)
    try:
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", gate)

    assert not errors, errors
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303, 303], statuses
    won = [r for r in responses if r.headers["Location"] == "/"]
    lost = [r for r in responses if r.headers["Location"] == "/login"]
    assert len(won) == 1 and len(lost) == 1, [r.headers["Location"] for r in responses]
    with app.app_context():
        admins = db.session.scalars(db.select(User)).all()
        assert len(admins) == 1 and admins[0].role.key == "admin"
    loser = clients[responses.index(lost[0])]
    page = loser.get("/login").get_data(as_text=True)
    assert "Steward has just been set up by someone else. Sign in, or ask them to invite you." in page


def test_a_late_second_submission_is_sent_to_sign_in(app, client):
    token = csrf_from(client, "/setup")
    first = app.test_client()
    first_token = csrf_from(first, "/setup")
    data = {"org_name": "Riverside", "name": "Grace", "password": PASSWORD, "confirm": PASSWORD}
    assert first.post("/setup", data={**data, "email": "grace@example.org", "csrf_token": first_token}
                      ).status_code == 303
    response = client.post("/setup", data={**data, "email": "ada@example.org", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1
    assert client.get("/setup").status_code == 404
