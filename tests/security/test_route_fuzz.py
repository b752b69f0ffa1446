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
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import csrf_from, login, make_user

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

SENTINEL = 918273645  # stands for the variable being fuzzed while the path is built


def _real_records() -> dict:
    """A real value for each path variable, by name (and endpoint where the
    name is shared): the other variables of a fuzzed path hold these, and the
    query-string walk uses them so that it reaches the views' own code."""
    from app.models import Invitation, Job, MailMessage, Role, User
    from modules.contacts import hooks
    from modules.contacts.models import (
        Activity,
        Contact,
        CustomField,
        ImportRun,
        Relationship,
        RelationshipType,
        Segment,
        Tag,
        Task,
    )
    from modules.pipeline.models import (
        Fund,
        Gift,
        GiftImport,
        LostReason,
        Opportunity,
        Pipeline,
        Pledge,
        ReceiptTemplate,
        RecurringGift,
        Stage,
    )

    def first(model):
        return db.session.scalar(select(func.min(model.id))) or 1

    by_name = {
        "invitation_id": Invitation, "job_id": Job, "message_id": MailMessage, "role_id": Role,
        "user_id": User, "contact_id": Contact, "relationship_id": Relationship, "tag_id": Tag,
        "field_id": CustomField, "type_id": RelationshipType, "activity_id": Activity,
        "import_id": ImportRun, "segment_id": Segment, "task_id": Task, "pipeline_id": Pipeline,
        "item_id": Fund, "reason_id": LostReason, "stage_id": Stage, "gift_id": Gift,
        "opportunity_id": Opportunity, "pledge_id": Pledge, "template_id": ReceiptTemplate,
        "recurring_id": RecurringGift,
    }
    values = {name: first(model) for name, model in by_name.items()}
    values.update({"year": date.today().year, "token": "no-such-token", "filename": "css/app.css",
                   "section": "identity", "name": hooks.panels()[0].name})
    values[("pipeline.gift_import", "import_id")] = first(GiftImport)
    for endpoint in ("pipeline.gift_import_map", "pipeline.gift_import_preview", "pipeline.gift_import_run",
                     "pipeline.gift_import_undo", "pipeline.gift_import_failures"):
        values[(endpoint, "import_id")] = values[("pipeline.gift_import", "import_id")]
    values[("contacts.blank_row", "name")] = "emails"
    return values


def _filter_tokens() -> list[str]:
    """`key:op:` for every criterion of the list's filter builder and each of its operators."""
    from modules.contacts import hooks

    return [f"{key}:{op}:" for key, spec in hooks.filter_specs().items() for op in spec.ops]


def _cursors(value: str) -> list[str]:
    household = value if value.isascii() and value.lstrip("-").isdigit() else f'"{value}"'
    duplicates = base64.urlsafe_b64encode(f'["household",{household}]'.encode()).decode().rstrip("=")
    return [shape.format(value, value) for shape in CURSOR_SHAPES] + [duplicates]


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules()), key=lambda r: (r.rule, r.endpoint))


def _build(rule, real: dict, fuzzed: str | None = None, value: str = "") -> str:
    values = dict(rule.defaults or {})
    for name in rule.arguments - values.keys():
        if name == fuzzed:
            values[name] = SENTINEL
            continue
        key = (rule.endpoint, name)
        assert key in real or name in real, \
            f"{rule.rule}: say in _real_records where a real <{name}> comes from"
        values[name] = real.get(key, real.get(name))
    path = rule.build(values, append_unknown=False)[1]
    return path.replace(str(SENTINEL), quote(value, safe="")) if fuzzed else path


ROOT = Path(__file__).resolve().parents[2]


def _where(error: Exception) -> str:
    """The innermost frame of the project's own code in the traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename
              and "/tests/" not in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    return f"{Path(frame.filename).relative_to(ROOT) if frame.filename.startswith(str(ROOT)) else frame.filename}" \
        f":{frame.lineno}"


class Walk:
    """Sends requests and keeps the ones that crashed, each described so it
    can be sent again by hand."""

    def __init__(self, client, token: str | None):
        self.client, self.token, self.crashes, self.sent = client, token, [], 0

    def send(self, method: str, path: str, params: dict | None = None, described: str = "") -> None:
        url = f"{path}?{urlencode(params, doseq=True)}" if params else path
        headers, data = {}, None
        if method == "POST":
            headers = {"X-CSRFToken": self.token} if self.token else {}
            data = params
        self.sent += 1
        request = f"{method} {path}" + (f" with {described}" if described else "") \
            + (" (query string and form)" if data else "")
        try:
            status = self.client.open(url, method=method, headers=headers, data=data).status_code
        except Exception as error:  # noqa: BLE001 (the crash is the finding)
            self.crashes.append(f"{request}: {type(error).__name__} at {_where(error)}: {str(error)[:120]}")
            return
        if status >= 500:
            self.crashes.append(f"{request}: {status}")


# Signing out mid-walk would turn the Administrator's walk anonymous.
SKIP = {("auth.logout", "POST")}


def _methods(rule) -> list[str]:
    return sorted(m for m in rule.methods - {"HEAD", "OPTIONS"} if (rule.endpoint, m) not in SKIP)


def _setup(app, who: str):
    from app import seed

    admin = make_user(app)
    with app.app_context():
        seed.run(6, echo=lambda *a: None)
        real, tokens = _real_records(), None
        with app.test_request_context():
            tokens = _filter_tokens()
    client = app.test_client()
    if who == "admin":
        login(client, admin.email)
    token = csrf_from(client, "/login" if who == "anonymous" else "/account")
    return client, token, real, tokens


@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_bad_path_variables_never_crash(app, who):
    client, token, real, _ = _setup(app, who)
    walk = Walk(client, token)
    for rule in _rules(app):
        for name in sorted(rule.arguments - (rule.defaults or {}).keys()):
            for value in BAD_VALUES.values():
                path = _build(rule, real, name, value)
                for method in _methods(rule):
                    walk.send(method, path)
    assert walk.sent > 1000
    assert not walk.crashes, f"{len(walk.crashes)} of {walk.sent} requests crashed:\n" + "\n".join(walk.crashes)
    if who == "admin":
        assert client.get("/account").status_code == 200  # still signed in: the walk went past sign-in


# The pages that read filter rules (modules/contacts/queries.parse).
FILTERED = ("contacts.index", "contacts.count", "contacts.export_confirm", "contacts.bulk_confirm",
            "contacts.segment_new")


@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_bad_query_parameters_never_crash(app, who):
    from modules.contacts.queries import MAX_RULES

    client, token, real, tokens = _setup(app, who)
    walk = Walk(client, token)
    for rule in _rules(app):
        path = _build(rule, real)
        page = client.get(path) if "GET" in rule.methods else None
        fields = set(FIELD_RE.findall(page.get_data(as_text=True))) if page is not None else set()
        names = sorted((set(PARAMS) | fields) - {"csrf_token"})
        for value in BAD_VALUES.values():
            for method in _methods(rule):
                walk.send(method, path, dict.fromkeys(names, value), f"every parameter = {value!r}")
        if page is not None and page.status_code == 200:
            for value in CURSOR_VALUES:
                for cursor in _cursors(value):
                    walk.send("GET", path, {"after": cursor, "before": cursor}, f"after=before={cursor!r}")
        if rule.endpoint in FILTERED:
            for value in BAD_VALUES.values():
                rules = [token_ + value for token_ in tokens]
                for start in range(0, len(rules), MAX_RULES):
                    chunk = rules[start:start + MAX_RULES]
                    walk.send("GET", path, {"f": chunk}, f"filter rules {chunk}")
    assert walk.sent > 1000
    assert not walk.crashes, f"{len(walk.crashes)} of {walk.sent} requests crashed:\n" + "\n".join(walk.crashes)
    if who == "admin":
        assert client.get("/account").status_code == 200
