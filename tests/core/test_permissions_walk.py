"""Default deny, checked route by route.

Walks `app.url_map` of the session app (the core and every enabled module,
the hello test plugin included): every view declares a permission, only the
allow-listed pages are public, and for each built-in role, a custom role with
no permissions, and an anonymous visitor, every route answers as the declared
permission says. New routes are picked up as they are written."""

from __future__ import annotations

import pytest
from werkzeug.routing import UUIDConverter

from app.extensions import db
from app.models import Role, User
from app.permissions import PUBLIC, SIGNED_IN, role_permissions, view_permission
from tests.conftest import csrf_from, login, make_user

PUBLIC_ENDPOINTS = {
    "static",
    "health.healthz",
    "setup.index",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
}
ROLES = ["admin", "manager", "staff", "volunteer", "no-permissions", "anonymous"]
READ = {"GET"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


def _path(rule) -> str:
    """The rule's URL, with a dummy value for each argument (a missing record
    answers 404, which counts as getting past the permission check)."""
    values = dict(rule.defaults or {})
    for name in rule.arguments:
        if name not in values:
            converter = rule._converters.get(name)
            values[name] = "00000000-0000-0000-0000-000000000001" \
                if isinstance(converter, UUIDConverter) else 1
    return rule.build(values, append_unknown=False)[1]


def _allowed(perm: str, grants: frozenset[str] | None) -> bool:
    """What the declared permission means, worked out here independently of
    app.permissions.can; `grants` is None for an anonymous visitor."""
    if perm == PUBLIC:
        return True
    if grants is None:
        return False
    if perm == SIGNED_IN:
        return True
    if perm.endswith(".*"):
        return any(p.startswith(perm[:-1]) for p in grants)
    return perm in grants


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_every_view_declares_a_permission(app):
    undeclared = sorted(
        f"{rule.endpoint} ({rule.rule})" for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and view_permission(app.view_functions[rule.endpoint]) is None
    )
    assert not undeclared, "views without a permission decorator (default deny refuses them): " \
        + ", ".join(undeclared)


def test_only_the_allow_listed_pages_are_public(app):
    public = {endpoint for endpoint, view in app.view_functions.items()
              if view_permission(view) == PUBLIC} | {"static"}
    assert public == PUBLIC_ENDPOINTS


def test_every_enabled_module_is_walked(app):
    prefixes = {r.rule.split("/")[1] for r in app.url_map.iter_rules()}
    for module in app.extensions["steward"].enabled[1:]:
        if module.blueprint:
            assert module.name in prefixes


def _client_for(app, who: str):
    """A test client signed in as `who`, and that user's permissions (None for anonymous)."""
    client = app.test_client()
    if who == "anonymous":
        make_user(app, "someone@example.org", "admin")  # so pages do not lead to /setup
        return client, None
    role = None
    if who == "no-permissions":
        with app.app_context():
            role = Role(name="No permissions", description="A custom role with nothing granted")
            db.session.add(role)
            db.session.commit()
            db.session.refresh(role)
            db.session.expunge(role)
    user = make_user(app, f"{who}@example.org", who, name=f"{who.title()} User", role=role)
    login(client, user.email)
    with app.app_context():
        return client, role_permissions(db.session.get(User, user.id).role, app)


def _walk(app, who: str):
    """Request every route as `who`. Returns (permission problems, crashes)."""
    client, grants = _client_for(app, who)
    token = csrf_from(client, "/login" if grants is None else "/account")
    problems, crashes = [], []
    for rule in _rules(app):
        perm = view_permission(app.view_functions[rule.endpoint])
        path = _path(rule)
        allowed = _allowed(perm, grants)
        for method in sorted(rule.methods - IGNORED_METHODS):
            if method not in READ and (allowed or perm == PUBLIC):
                continue  # a write the user may make: not fired blindly at the database
            label = f"{who} {method} {path} [{rule.endpoint} needs {perm}]"
            headers = {} if method in READ else {"X-CSRFToken": token}
            try:
                response = client.open(path, method=method, headers=headers)
            except Exception as error:  # the view raised: it was past the permission check
                crashes.append(f"{label}: {type(error).__name__}: {error}")
                if not allowed:
                    problems.append(f"{label}: expected to be refused before the view ran")
                continue
            status = response.status_code
            if status >= 500:
                crashes.append(f"{label}: {status}")
            if perm == PUBLIC:
                if _is_login_redirect(response):
                    problems.append(f"{label}: a public page sent to the sign-in page")
            elif grants is None:
                if not _is_login_redirect(response):
                    problems.append(f"{label}: {status}, expected 302 to /login")
            elif allowed:
                if status == 403 or _is_login_redirect(response):
                    problems.append(f"{label}: {status}, expected to be let in")
            elif status != 403:
                problems.append(f"{label}: {status}, expected 403")
    return problems, crashes


@pytest.mark.parametrize("who", ROLES)
def test_every_route_answers_as_its_permission_says(app, who):
    problems, _ = _walk(app, who)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ROLES)
def test_every_page_a_role_may_open_renders(app, who):
    _, crashes = _walk(app, who)
    assert not crashes, "\n".join(crashes)


def test_anonymous_writes_never_succeed(app):
    """Without a CSRF token, a write is refused (400) or sent to sign in; never done."""
    make_user(app)
    client = app.test_client()
    for rule in _rules(app):
        if view_permission(app.view_functions[rule.endpoint]) == PUBLIC:
            continue
        for method in sorted(rule.methods - IGNORED_METHODS - READ):
            response = client.open(_path(rule), method=method)
            assert response.status_code == 400 or _is_login_redirect(response), \
                f"anonymous {method} {rule.rule}: {response.status_code}"
