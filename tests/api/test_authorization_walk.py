"""Every /api/ route, walked with a token for each role: the token is let in
exactly where its user's role (today) and its scopes both allow, refused
with a 403 problem elsewhere, and without a token every route answers 401.

Each token is given every API permission as its scopes, as if its user had
held them all when it was made: the walk proves the user's current role
bounds it. A second walk gives an administrator's token one scope only."""

from __future__ import annotations

import secrets

import pytest

from app.api import tokens
from app.extensions import db
from app.models import ApiToken, Role, User
from app.permissions import PUBLIC, SIGNED_IN, role_permissions, view_permission
from tests.api_client import Api
from tests.conftest import make_user

ROLES = ["admin", "manager", "staff", "volunteer", "no-permissions"]
METHODS = ("GET", "POST", "PATCH", "DELETE", "PUT")


def _api_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    return sorted(rules, key=lambda r: r.rule)


def _path(rule) -> str:
    return rule.build({name: 1 for name in rule.arguments}, append_unknown=False)[1]


def _token(app, user_id: int, scopes) -> str:
    secret = tokens.PREFIX + secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(ApiToken(user_id=user_id, name="walk", token_hash=tokens.digest(secret),
                                prefix=secret[:10], scopes=sorted(scopes)))
        db.session.commit()
    return secret


def _user(app, who: str) -> tuple[int, frozenset[str]]:
    role = None
    if who == "no-permissions":
        with app.app_context():
            role = Role(name="No permissions", description="")
            db.session.add(role)
            db.session.commit()
            db.session.refresh(role)
            db.session.expunge(role)
    user = make_user(app, f"{who}@example.org", who, name=f"{who.title()} User", role=role)
    with app.app_context():
        return user.id, role_permissions(db.session.get(User, user.id).role, app)


def _walk(app, api: Api, may) -> tuple[list[str], int]:
    problems, walked = [], 0
    for rule in _api_rules(app):
        perm = view_permission(app.view_functions[rule.endpoint])
        assert perm is not None, f"{rule.rule} declares no permission"
        for method in sorted(rule.methods & set(METHODS)):
            walked += 1
            response = api.open(method, _path(rule), json={} if method in ("POST", "PATCH") else None)
            label = f"{method} {rule.rule} [{perm}]: {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{label} crashed")
            elif perm == PUBLIC:
                continue
            elif may(perm):
                if response.status_code in (401, 403):
                    problems.append(f"{label}, expected to be let in")
            elif response.status_code != 403 or response.mimetype != "application/problem+json":
                problems.append(f"{label}, expected a 403 problem")
    return problems, walked


@pytest.mark.parametrize("who", ROLES)
def test_a_token_never_exceeds_its_user(app, who):
    make_user(app, "first@example.org", "admin")
    user_id, grants = _user(app, who)
    every = app.extensions["steward"].api_permissions
    api = Api(app, _token(app, user_id, every))
    problems, walked = _walk(app, api, lambda perm: perm == SIGNED_IN or perm in grants)
    assert walked > 30
    assert not problems, "\n".join(problems)


def test_scopes_narrow_an_administrators_token(app):
    user_id, _ = _user(app, "admin")
    api = Api(app, _token(app, user_id, {"contacts.view"}))
    problems, _ = _walk(app, api, lambda perm: perm in (SIGNED_IN, "contacts.view"))
    assert not problems, "\n".join(problems)


def test_without_a_token_every_route_is_401(app):
    make_user(app)
    client = app.test_client()
    for rule in _api_rules(app):
        if view_permission(app.view_functions[rule.endpoint]) == PUBLIC:
            continue
        for method in sorted(rule.methods & set(METHODS)):
            response = client.open(_path(rule), method=method, json={})
            assert response.status_code == 401 and response.mimetype == "application/problem+json", \
                f"{method} {rule.rule}: {response.status_code}"


def test_every_module_permission_the_api_uses_is_a_declared_one(app):
    declared = set(app.extensions["steward"].permissions)
    assert app.extensions["steward"].api_permissions <= declared
    assert {"contacts.view", "contacts.edit", "contacts.delete"} <= app.extensions["steward"].api_permissions
