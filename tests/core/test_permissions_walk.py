"""Default deny, checked route by route.

Walks `app.url_map` of the session app (the core and every enabled module,
the hello test plugin included): every view declares a permission, only the
allow-listed pages are public, and for each built-in role, a custom role with
no permissions, and an anonymous visitor, every route answers as the declared
permission says. New routes are picked up as they are written. Past the
permission check, the pages that hand out rights are walked for every way a
user and role manager could raise themselves or others above their level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.routing import UUIDConverter

from app.extensions import db
from app.models import Invitation, Role, RolePermission, User
from app.models.base import utcnow
from app.permissions import PUBLIC, SIGNED_IN, role_permissions, view_permission
from tests.conftest import csrf_from, login, make_user

PUBLIC_ENDPOINTS = {
    "static",
    "assets.stylesheet",  # the joined stylesheet (app/assets.py): the sign-in page needs it too
    "health.healthz",
    "setup.index",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
    # Marketing: pages people open from an email or the organisation's website.
    "marketing.preferences",
    "marketing.unsubscribe",
    "marketing.view_in_browser",
    "marketing.click",  # a tracked link in a campaign message: a signed redirect to the campaign's own link
    "marketing.open_pixel",  # the open-tracking image
    "marketing.join",
    "marketing.confirm",
    # Marketing: bounce and complaint webhooks the mail providers call (signature or credentials checked).
    "marketing.webhook_ses",
    "marketing.webhook_postmark",
    "pipeline.stripe_webhook",  # signed by Stripe
    "calendar_feed.feed",  # the secret in its URL is the credential
    "organisation_logo.logo",  # the logo, for email
    "marketing.sender_verify",  # a campaign sender's confirmation link, opened from its mailbox
    # Helpdesk: the public help centre (knowledge base, portal sign-in by emailed link, request form, survey).
    "help.home", "help.search_page", "help.category", "help.article", "help.helpful", "help.answered",
    "help.signin", "help.signin_link", "help.signout", "help.portal", "help.portal_ticket",
    "help.new_request", "help.suggest", "help.new_sent", "help.survey",
    # The API's document and its browsable docs (the API itself takes tokens only).
    "api_docs.openapi_json",
    "api_docs.openapi_for_docs",
    "api_docs.docs",
    "api_docs.asset",
}
ROLES = ["admin", "manager", "staff", "volunteer", "no-permissions", "anonymous"]
READ = {"GET"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _rules(app):
    """Every page's rule. The API's resources (/api/v1/) take no sign-in
    cookie: tests/api/test_authorization_walk.py walks them with tokens."""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint != "static" and not r.rule.startswith("/api/v1/")), key=lambda r: r.rule)


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


# Escalation: past the permission check, nobody grants what they do not hold.
# A delegate who manages users and roles but holds little else tries every
# way up; each attempt is refused and no role, user or invitation changes.

DELEGATE_GRANTS = ("core.dashboard", "admin.users", "admin.roles")


def _custom_role(name: str, grants) -> int:
    role = Role(name=name, description="")
    role.grants = [RolePermission(permission=p) for p in grants]
    db.session.add(role)
    db.session.flush()
    return role.id


def _escalation_setup(app) -> dict:
    """The delegate (signed in), a lesser role they may change, a richer role
    they may not, an administrator and that administrator's pending invitation."""
    with app.app_context():
        ids = {
            "delegate_role": _custom_role("Delegate", DELEGATE_GRANTS),
            "lesser": _custom_role("Greeter", ("core.dashboard",)),
            "richer": _custom_role("Fundraiser", ("core.dashboard", "admin.users", "admin.audit")),
            "admin_role": db.session.scalar(db.select(Role.id).where(Role.key == "admin")),
        }
        db.session.commit()
        delegate_role, richer = db.session.get(Role, ids["delegate_role"]), db.session.get(Role, ids["richer"])
        db.session.expunge_all()
    chief = make_user(app, "chief@example.org", "admin", "Chief")
    ids["chief"] = chief.id
    ids["delegate"] = make_user(app, "delegate@example.org", role=delegate_role, name="Dee Legate").id
    ids["rich_user"] = make_user(app, "rich@example.org", role=richer, name="Rich").id
    with app.app_context():
        invitation = Invitation(email="newadmin@example.org", name="", role_id=ids["admin_role"],
                                token_hash="0" * 64, invited_by_id=chief.id,
                                expires_at=utcnow() + timedelta(days=7))
        db.session.add(invitation)
        db.session.commit()
        ids["invitation"] = invitation.id
    return ids


def _rights(app) -> tuple:
    """Every role's grants, every user's role, every invitation: what an escalation would change."""
    with app.app_context():
        roles = {r.name: sorted(g.permission for g in r.grants) for r in db.session.scalars(db.select(Role))}
        users = {u.email: u.role_id for u in db.session.scalars(db.select(User))}
        invitations = [(i.id, i.role_id, i.revoked_at is None) for i in
                       db.session.scalars(db.select(Invitation).order_by(Invitation.id))]
        return roles, users, invitations


ALL = object()  # stands for every declared permission

# What the delegate tries: {attempt: (URL, form data, expected status)}, ids filled in.
ESCALATIONS = {
    "give own role every permission":
        ("/admin/roles/{delegate_role}", {"name": "Delegate", "permissions": ALL}, 403),
    "drop a permission from own role":
        ("/admin/roles/{delegate_role}", {"name": "Delegate", "permissions": ["core.dashboard"]}, 403),
    "delete own role":
        ("/admin/roles/{delegate_role}/delete", {}, 403),
    "create a role with a permission one lacks":
        ("/admin/roles/new", {"name": "Shadow", "permissions": ["admin.settings"]}, 422),
    "add a permission one lacks to a lesser role":
        ("/admin/roles/{lesser}", {"name": "Greeter", "permissions": ["core.dashboard", "admin.audit"]}, 422),
    "take a permission one lacks from a richer role":
        ("/admin/roles/{richer}", {"name": "Fundraiser", "permissions": ["core.dashboard", "admin.users"]}, 403),
    "rename a richer role":
        ("/admin/roles/{richer}", {"name": "Renamed", "permissions": ["core.dashboard", "admin.users",
                                                                      "admin.audit"]}, 403),
    "delete a richer role":
        ("/admin/roles/{richer}/delete", {}, 403),
    "make oneself Administrator":
        ("/admin/users/{delegate}", {"name": "Dee Legate", "role": "{admin_role}", "active": "y"}, 422),
    "move oneself to a richer role":
        ("/admin/users/{delegate}", {"name": "Dee Legate", "role": "{richer}", "active": "y"}, 422),
    "edit a user with more rights":
        ("/admin/users/{rich_user}", {"name": "Rich", "role": "{lesser}", "active": "y"}, 403),
    "invite someone as Administrator":
        ("/admin/users/invite", {"email": "pal@example.org", "role": "{admin_role}"}, 422),
    "resend an Administrator's invitation":
        ("/admin/invitations/{invitation}/resend", {}, 403),
}


@pytest.mark.parametrize("attempt", ESCALATIONS)
def test_nobody_grants_what_they_do_not_hold(app, attempt):
    ids = _escalation_setup(app)
    client = app.test_client()
    login(client, "delegate@example.org")
    url, data, expected = ESCALATIONS[attempt]
    data = {k: (sorted(app.extensions["steward"].permissions) if v is ALL else
                v.format(**ids) if isinstance(v, str) else v) for k, v in data.items()}
    before = _rights(app)
    response = client.post(url.format(**ids), data={**data, "csrf_token": csrf_from(client, "/account")})
    assert response.status_code == expected, response.get_data(as_text=True)[:800]
    assert _rights(app) == before


def test_within_their_own_rights_the_delegate_may_change_roles(app):
    """The refusals above come from the rule, not from a delegate who can do nothing."""
    ids = _escalation_setup(app)
    client = app.test_client()
    login(client, "delegate@example.org")
    token = csrf_from(client, "/account")
    created = client.post("/admin/roles/new", data={"name": "Helper", "permissions": ["admin.roles"],
                                                    "csrf_token": token})
    widened = client.post(f"/admin/roles/{ids['lesser']}", data={
        "name": "Greeter", "permissions": ["core.dashboard", "admin.users"], "csrf_token": token})
    assert created.status_code == widened.status_code == 303
    roles, _, _ = _rights(app)
    assert roles["Helper"] == ["admin.roles"] and roles["Greeter"] == ["admin.users", "core.dashboard"]
