"""`next` never leads off the site (issue 14, finding 5).

Every form that takes `next` is sent each variant below, on the path that
redirects after a save and on the page that renders Cancel and back links
from it. A redirect's Location, and every link or form target on the page
that mentions the other site, must lead to this site as a browser reads it,
and nothing may answer 5xx. A walk of every route in url_map then sends a
few variants to all of them, so a form that starts reading `next` later is
held to the same rule without being listed here."""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import quote, urljoin, urlsplit

import pytest

from app.extensions import db
from app.redirects import is_local_path
from modules.contacts.models import Activity, Task
from modules.contacts.people import records
from modules.contacts.people.records import Details
from tests.conftest import PASSWORD, csrf_from
from tests.security.walk import methods, path, rules, seeded_client

# The eight the attack tried on the sign-in page, whose check held.
LOGIN_VARIANTS = (
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "https:/evil.example",
    "http:evil.example",
    " //evil.example/",
    "evil.example",
)
# What got through the other forms' checks, and their relatives.
OTHER_VARIANTS = (
    "/\t/evil.example",  # what next=/%09/evil.example arrives as
    "/%09/evil.example",  # the same, sent encoded twice
    "/\\evil.example",
    "/\\/evil.example",
    "/\r\n/evil.example",
    "/x\r\nSet-Cookie: evil.example=1",
    "/%0d%0a/evil.example",
    "/%2f%2fevil.example",
    "/%5cevil.example",
    "/\x01/evil.example",  # (a NUL byte is refused before any view: tests/security/test_nul_bytes.py)
    "/%00/evil.example",
    "/\x7f/evil.example",
    "/\u0085/evil.example",  # C1 "next line"
    "javascript:alert('evil.example')",
    "JaVaScRiPt:alert('evil.example')",
)
VARIANTS = LOGIN_VARIANTS + OTHER_VARIANTS

ATTRIBUTE_RE = re.compile(r'\s([a-zA-Z:-]+)="([^"]*)"')


def lands_on_site(url: str, base: str) -> bool:
    """Whether a browser at `base` that follows `url` stays on base's host.
    What WHATWG URL parsing does that urljoin does not: trim C0 controls and
    spaces at the ends, drop tabs and newlines anywhere, read "\\" as "/"."""
    cleaned = url.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub("[\t\n\r]", "", cleaned).replace("\\", "/")
    target, here = urlsplit(urljoin(base, cleaned)), urlsplit(base)
    return target.scheme == here.scheme and target.netloc == here.netloc


def problems_with(response, base: str = "http://localhost/") -> list[str]:
    """Why `response` could send someone elsewhere (empty when it cannot)."""
    found = []
    if response.status_code >= 500:
        found.append(f"answered {response.status_code}")
    location = response.headers.get("Location")
    if location is not None and not lands_on_site(location, base):
        found.append(f"redirects to {location!r}")
    if response.mimetype == "text/html":
        for name, value in ATTRIBUTE_RE.findall(response.get_data(as_text=True)):
            value = html.unescape(value)
            if "evil.example" in value and not lands_on_site(value, base):
                found.append(f"renders {name}={value!r}")
    return found


def attempt(label: str, send) -> tuple[object, list[str]]:
    """The response of `send()`, or None and the crash (werkzeug refuses a
    header with a newline by raising, which a server answers with a 500)."""
    try:
        response = send()
    except Exception as error:  # noqa: BLE001 (a crash is a failure to report with the rest)
        return None, [f"{label}: {type(error).__name__}: {str(error)[:160]}"]
    failures = [f"{label}: {problem}" for problem in problems_with(response)]
    response.close()  # a streamed download keeps its request context open until closed
    return response, failures


def check(label: str, send, status: int) -> None:
    """Call `send(value)` for every variant; each must answer `status` (the
    save or the page went through, so `next` was read) and lead nowhere else."""
    failures = []
    for value in VARIANTS:
        response, found = attempt(f"{label}, next={value!r}", lambda: send(value))  # noqa: B023 (called at once)
        failures += found
        if response is not None and response.status_code != status:
            failures.append(f"{label}, next={value!r}: {response.status_code}, expected {status}")
    assert not failures, "\n".join(failures)


def _q(value: str) -> str:
    return quote(value, safe="")


@pytest.fixture
def contact_id(app, admin):
    with app.app_context():
        contact = records.create("person", {"first_name": "Ann", "last_name": "Smith"})
        db.session.commit()
        return contact.id


def _activity(app, contact_id: int, user_id: int) -> int:
    with app.app_context():
        activity = Activity(contact_id=contact_id, kind="note", subject="Called", user_id=user_id,
                            occurred_at=datetime(2024, 3, 5, 9, 0))
        db.session.add(activity)
        db.session.commit()
        return activity.id


def _task(app, user_id: int, **values) -> int:
    with app.app_context():
        task = Task(title="Ring back", assignee_id=user_id, created_by_id=user_id, **values)
        db.session.add(task)
        db.session.commit()
        return task.id


def _post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, "/account")})


ENTRY = {"kind": "note", "subject": "Called", "body": "", "occurred_at": "2024-03-05T09:00"}


def test_signing_in(app, admin):
    def send(value):
        client = app.test_client()
        return client.post(f"/login?next={_q(value)}", data={
            "email": admin.email, "password": PASSWORD, "csrf_token": csrf_from(client, "/login")})

    check("sign in", send, 303)


def test_the_sign_in_page(app, admin_client):
    check("/login, signed in", lambda value: admin_client.get(f"/login?next={_q(value)}"), 302)
    check("/login, signed out", lambda value: app.test_client().get(f"/login?next={_q(value)}"), 200)


def test_timeline_entries(app, admin_client, admin, contact_id):
    check("add entry", lambda value: _post(admin_client, f"/contacts/{contact_id}/timeline", {
        **{f"entry-{k}": v for k, v in ENTRY.items()}, "next": value}), 303)

    aid = _activity(app, contact_id, admin.id)
    check("edit entry", lambda value: _post(admin_client, f"/contacts/entries/{aid}/edit", {
        **{f"entry{aid}-{k}": v for k, v in ENTRY.items()}, "next": value}), 303)

    def delete(value):
        doomed = _activity(app, contact_id, admin.id)
        return _post(admin_client, f"/contacts/entries/{doomed}/delete", {"next": value})

    check("delete entry", delete, 303)


def test_tasks(app, admin_client, admin, contact_id):
    fields = {"task-title": "Ring back", "task-assignee_id": str(admin.id), "task-notes": ""}
    new, tid = "/contacts/tasks/new", _task(app, admin.id, contact_id=contact_id)
    check("new task page", lambda value: admin_client.get(f"{new}?next={_q(value)}"), 200)
    check("new task", lambda value: _post(admin_client, new, {**fields, "next": value}), 303)
    check("edit task page", lambda value: admin_client.get(f"/contacts/tasks/{tid}/edit?next={_q(value)}"), 200)
    check("edit task", lambda value: _post(admin_client, f"/contacts/tasks/{tid}/edit", {**fields, "next": value}),
          303)
    check("complete task", lambda value: _post(admin_client, f"/contacts/tasks/{tid}/complete", {"next": value}),
          303)
    check("reopen task", lambda value: _post(admin_client, f"/contacts/tasks/{tid}/reopen", {"next": value}), 303)
    check("delete task page", lambda value: admin_client.get(f"/contacts/tasks/{tid}/delete?next={_q(value)}"),
          200)

    def delete(value):
        doomed = _task(app, admin.id)
        return _post(admin_client, f"/contacts/tasks/{doomed}/delete", {"next": value})

    check("delete task", delete, 303)


def test_duplicates(app, admin_client):
    with app.app_context():
        details = Details(emails=[{"email": "ann@x.org", "label": "", "is_primary": True}])
        a = records.create("person", {"first_name": "Ann", "last_name": "Smith"}, details).id
        b = records.create("person", {"first_name": "Ann", "last_name": "Smith"}, details).id
        db.session.commit()
    pair = {"a": str(a), "b": str(b)}
    check("not a duplicate", lambda value: _post(admin_client, "/contacts/duplicates/dismiss",
                                                 {**pair, "next": value}), 303)
    check("duplicate again", lambda value: _post(admin_client, "/contacts/duplicates/undismiss",
                                                 {**pair, "next": value}), 303)
    check("merge preview", lambda value: admin_client.get(f"/contacts/merge?keep={a}&other={b}&next={_q(value)}"),
          200)


@pytest.mark.usefixtures("worker_heartbeat")
def test_every_route_keeps_next_on_the_site(app):
    """Every rule, GET and POST (with a CSRF token), with `next` in the query
    string and the form: the variants each earlier check let through."""
    client, token, found = seeded_client(app, "admin")
    failures = []
    for rule in rules(app):
        here = path(rule, found)
        for value in ("/\t/evil.example", "/\\evil.example", "/\r\n/evil.example", "//evil.example"):
            for method in methods(rule):
                post = method == "POST"
                failures += attempt(f"{method} {here}, next={value!r}", lambda: client.open(  # noqa: B023
                    f"{here}?next={_q(value)}", method=method, data={"next": value} if post else None,
                    headers={"X-CSRFToken": token} if post else {}))[1]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", VARIANTS)
def test_none_of_the_variants_counts_as_a_local_path(value):
    assert not is_local_path(value)


@pytest.mark.parametrize("value", ["/", "/contacts/", "/contacts/12/timeline?kind=note",
                                   "/contacts/tasks?show=done&after=2024-01-01_5", "/search?q=caf%C3%A9"])
def test_paths_on_the_site_are_kept(value):
    assert is_local_path(value)
