"""Malformed addresses never crash the server (issue 14, finding 6).

Walks every rule in `app.url_map` of the session app (the core, every
module, the hello test plugin), as an Administrator and anonymously, on a
small seeded database, and sends:

- in each path variable in turn: ids wider than 64 bits, a negative id,
  words, and control characters (the other variables hold real records);
- in the query string (and, for a POST, the form too): the same values in
  every parameter the app reads and every field of the route's own page,
  in a filter rule of every criterion, and inside each shape of paging
  cursor the app writes;

GET and, with a valid CSRF token, POST. Any 5xx or exception fails the test
and names the request. A wrong value may be refused (400, 404, 422), sent
elsewhere or ignored, never a crash."""

from __future__ import annotations

import base64
import re
import traceback
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.security.walk import methods, path, rules, seeded_client, variables

BAD_VALUES = {
    "2**64": str(2**64),
    "10**30": str(10**30),
    "negative": "-1",
    "word": "abc",
    "digit-like": "²",  # str.isdigit() says yes, int() says no
    "NUL": "\x00",
    "LF": "\n",
    "CR": "\r",
    "TAB": "\t",
    "DEL": "\x7f",
}

# Every name the app reads from the query string or a form by hand
# (grep request.args / request.form / request.values / gift_queries.FIELDS
# / the list's filter rows), besides the fields its WTForms declare.
PARAMS = (
    "q", "segment", "fund", "appeal", "stage", "owner", "ids", "next", "after", "before", "page",
    "contact", "donor", "method", "from", "to", "ack", "min", "max", "pipeline", "status",
    "close_from", "close_to", "months", "pledge", "recurring", "exclude", "template_id", "kind",
    "start", "more", "i", "fk", "fo", "fv", "fv2", "remove", "match", "sort", "count", "index",
    "field", "section", "show", "who", "year", "cutoff", "param", "format", "part", "single", "row",
    "a", "b", "keep", "other", "back", "remove_credit", "pledge_id", "recurring_id", "contact_id",
)

# The shapes of the paging cursors the app writes (`after=` / `before=`), so a
# bad number inside a well-formed cursor reaches the code that reads it.
CURSOR_SHAPES = (
    "{}:x",  # the contact list: id:sort value
    "2024-01-01.{}",  # gifts: day.id
    "2024-01-01T00:00:00_{}",  # a contact's timeline: moment_seen
    "2024-01-01_{}",  # tasks: due date_id
    "{}_{}",  # board columns: amount_id
    "20240101000000000000-{}",  # the trash: deleted at-id
)
CURSOR_VALUES = (str(2**64), "²")

FIELD_RE = re.compile(r'<(?:input|select|textarea|button)\b[^>]*?\bname="([^"]+)"')


def _filter_rules() -> list[str]:
    """`key:op:` for every criterion of the list's filter builder and each of its operators."""
    from modules.contacts import hooks

    return [f"{key}:{op}:" for key, spec in hooks.filter_specs().items() for op in spec.ops]


def _cursors(value: str) -> list[str]:
    """`value` in each cursor shape, and a duplicate-scan cursor (base64 JSON) naming it as a household."""
    household = value if value.isascii() and value.lstrip("-").isdigit() else f'"{value}"'
    duplicates = base64.urlsafe_b64encode(f'["household",{household}]'.encode()).decode().rstrip("=")
    return [shape.format(value, value) for shape in CURSOR_SHAPES] + [duplicates]


ROOT = Path(__file__).resolve().parents[2]


def _where(error: Exception) -> str:
    """The innermost frame of the project's own code in the traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if Path(f.filename).is_relative_to(ROOT)
            and "/.venv/" not in f.filename and "/tests/" not in f.filename]
    frame = (ours or frames)[-1]
    name = Path(frame.filename)
    return f"{name.relative_to(ROOT) if name.is_relative_to(ROOT) else name}:{frame.lineno}"


class Walk:
    """Sends requests and keeps the ones that crashed, each described so it
    can be sent again by hand."""

    def __init__(self, client, token: str | None):
        self.client, self.token, self.crashes, self.sent = client, token, [], 0

    def send(self, method: str, address: str, params: dict | None = None, described: str = "") -> None:
        url = f"{address}?{urlencode(params, doseq=True)}" if params else address
        headers, data = {}, None
        if method == "POST":
            headers = {"X-CSRFToken": self.token} if self.token else {}
            data = params
        self.sent += 1
        request = f"{method} {address}" + (f" with {described}" if described else "") \
            + (" (query string and form)" if data else "")
        try:
            response = self.client.open(url, method=method, headers=headers, data=data)
            response.get_data()  # a streamed body runs, and can fail, only when read
            response.close()  # and keeps its request context open until closed
            status = response.status_code
        except Exception as error:  # noqa: BLE001 (the crash is the finding)
            self.crashes.append(f"{request}: {type(error).__name__} at {_where(error)}: {str(error)[:120]}")
            return
        if status >= 500:
            self.crashes.append(f"{request}: {status}")


def _setup(app, who: str):
    client, token, records = seeded_client(app, who)
    with app.test_request_context():
        criteria = _filter_rules()
    return client, token, records, criteria


@pytest.mark.parametrize("who", ["admin", "anonymous"])
@pytest.mark.usefixtures("worker_heartbeat")
def test_bad_path_variables_never_crash(app, who):
    client, token, records = seeded_client(app, who)
    walk = Walk(client, token)
    for rule in rules(app):
        for name in variables(rule):
            for value in BAD_VALUES.values():
                fuzzed = path(rule, records, name, value)
                for method in methods(rule):
                    walk.send(method, fuzzed)
    assert walk.sent > 1000
    assert not walk.crashes, f"{len(walk.crashes)} of {walk.sent} requests crashed:\n" + "\n".join(walk.crashes)
    if who == "admin":
        assert client.get("/account").status_code == 200  # still signed in: the walk went past sign-in


# The pages that read filter rules (modules/contacts/lists/queries.parse).
FILTERED = ("contacts.index", "contacts.count", "contacts.export_confirm", "contacts.bulk_confirm",
            "contacts.segment_new")


@pytest.mark.parametrize("who", ["admin", "anonymous"])
@pytest.mark.usefixtures("worker_heartbeat")
def test_bad_query_parameters_never_crash(app, who):
    from modules.contacts.lists.queries import MAX_RULES

    client, token, records, criteria = _setup(app, who)
    walk = Walk(client, token)
    for rule in rules(app):
        here = path(rule, records)
        page = client.get(here) if "GET" in rule.methods else None
        fields = set(FIELD_RE.findall(page.get_data(as_text=True))) if page is not None else set()
        names = sorted((set(PARAMS) | fields) - {"csrf_token"})
        for value in BAD_VALUES.values():
            for method in methods(rule):
                walk.send(method, here, dict.fromkeys(names, value), f"every parameter = {value!r}")
        if page is not None and page.status_code == 200:
            for value in CURSOR_VALUES:
                for cursor in _cursors(value):
                    walk.send("GET", here, {"after": cursor, "before": cursor}, f"after=before={cursor!r}")
        if rule.endpoint in FILTERED:
            for value in BAD_VALUES.values():
                written = [criterion + value for criterion in criteria]
                for start in range(0, len(written), MAX_RULES):
                    chunk = written[start:start + MAX_RULES]
                    walk.send("GET", here, {"f": chunk}, f"filter rules {chunk}")
    assert walk.sent > 1000
    assert not walk.crashes, f"{len(walk.crashes)} of {walk.sent} requests crashed:\n" + "\n".join(walk.crashes)
    if who == "admin":
        assert client.get("/account").status_code == 200
