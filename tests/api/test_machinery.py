"""The API's machinery: problem details, tokens (scopes, revocation, expiry,
the user's current rights), the refused cookie, the document and the docs."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import ApiToken, AuditEntry, Role, User
from app.models.base import utcnow
from tests.api_client import Api, api_for, make_token
from tests.conftest import csrf_from, login, make_user

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"]
    return body


def test_every_error_is_a_problem(app, admin):
    api = api_for(app, admin.email)
    _problem(api.get("nowhere"), 404)
    assert _problem(api.open("PUT", "contacts"), 405)["detail"] == "This address takes GET, POST."
    assert api.open("PUT", "contacts").headers["Allow"]
    body = _problem(api.post("contacts", json={"first_name": 5}), 422)
    assert body["errors"][0]["field"] == "first_name" and body["errors"][0]["pointer"] == "/first_name"
    body = _problem(api.post("contacts", json={"emails": [{"email": "not an email"}], "last_name": "X"}), 422)
    assert [e["field"] for e in body["errors"]] == ["emails[0].email"]
    assert body["errors"][0]["pointer"] == "/emails/0/email"
    body = _problem(api.get("contacts?limit=0"), 422)
    assert body["errors"][0] == {"in": "query", "field": "limit", "pointer": "limit",
                                 "detail": body["errors"][0]["detail"]}
    _problem(api.post("contacts", data="{not json", headers={"Content-Type": "application/json"}), 400)
    _problem(api.post("contacts", json={"first_name": "A\u0000b"}), 400)
    # Pages keep their HTML error pages.
    page = app.test_client().get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_request_without_a_token_is_refused_and_says_how(app, admin):
    client = app.test_client()
    body = _problem(client.get("/api/v1/contacts"), 401)
    assert "Authorization: Bearer" in body["detail"]
    assert client.get("/api/v1/contacts").headers["WWW-Authenticate"].startswith("Bearer")
    _problem(client.get("/api/v1/contacts", headers={"Authorization": "Bearer stw_wrong"}), 401)


def test_the_sign_in_cookie_is_refused_and_csrf_does_not_apply(app, admin):
    from modules.contacts.models import Contact

    client = app.test_client()
    login(client, admin.email)
    assert client.get("/account").status_code == 200  # signed in for pages
    body = _problem(client.get("/api/v1/me"), 401)
    assert "cookie" in body["detail"]
    token = csrf_from(client, "/account")
    _problem(client.post("/api/v1/contacts", json={"first_name": "Eve"}, headers={"X-CSRFToken": token}), 401)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 0
    # A token is enough: no CSRF token, and the cookie is not looked at.
    api = api_for(app, admin.email)
    assert api.post("contacts", json={"first_name": "Eve"}).status_code == 201


def test_token_is_stored_hashed_shown_once_and_records_its_use(app, admin):
    secret = make_token(app, admin.email, name="Nightly sync")
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken))
        assert secret not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        assert secret.startswith(row.prefix) and row.last_used_at is None
    me = Api(app, secret).get("me").get_json()
    assert me["token"] == "Nightly sync" and me["email"] == admin.email
    with app.app_context():
        assert db.session.scalar(db.select(ApiToken)).last_used_at is not None


def test_revoked_expired_and_deactivated_tokens_are_refused(app, admin):
    from app.api import tokens

    staff = make_user(app, "staff@example.org", "staff", name="Sam Staff")
    secrets = {name: make_token(app, email, name=name) for name, email in
               (("revoked", admin.email), ("expired", admin.email), ("deactivated", staff.email),
                ("fine", admin.email))}
    for secret in secrets.values():
        assert Api(app, secret).get("me").status_code == 200
    with app.app_context():
        by_name = {t.name: t for t in db.session.scalars(db.select(ApiToken))}
        tokens.revoke(by_name["revoked"], by=db.session.get(User, admin.id))
        by_name["expired"].expires_at = utcnow() - timedelta(seconds=1)
        db.session.get(User, staff.id).active = False
        db.session.commit()
    for name in ("revoked", "expired", "deactivated"):
        _problem(Api(app, secrets[name]).get("me"), 401)
    assert Api(app, secrets["fine"]).get("me").status_code == 200


def test_scopes_narrow_a_token_and_the_user_role_bounds_it(app):
    make_user(app)  # an admin exists
    with app.app_context():
        role = Role(name="Helpers", description="")
        from app.models import RolePermission

        role.grants = [RolePermission(permission=p) for p in ("contacts.view", "contacts.edit")]
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
    helper = make_user(app, "helper@example.org", role=role, name="Hal Helper")
    reader = api_for(app, helper.email, ["contacts.view"])
    writer = api_for(app, helper.email)
    assert reader.get("contacts").status_code == 200
    _problem(reader.post("contacts", json={"first_name": "Nope"}), 403)
    assert writer.post("contacts", json={"first_name": "Yes"}).status_code == 201
    # More than the user holds cannot be asked for.
    from app.api import tokens

    with app.app_context():
        user = db.session.get(User, helper.id)
        try:
            tokens.create(user, "greedy", ["contacts.view", "contacts.delete"], 30)
        except tokens.TokenProblem as problem:
            assert "contacts.delete" in str(problem)
        else:
            raise AssertionError("a token beyond its user was made")
        # The role loses contacts.edit: the token loses it too, at once.
        db.session.execute(db.delete(RolePermission).where(RolePermission.permission == "contacts.edit"))
        db.session.commit()
    _problem(writer.post("contacts", json={"first_name": "Later"}), 403)
    assert writer.get("me").get_json()["permissions"] == ["contacts.view"]
    with app.app_context():
        denied = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "denied")).all()
        assert any("contacts.edit" in e.summary for e in denied)


def test_writes_are_audited_with_the_token_name(app, admin):
    api = Api(app, make_token(app, admin.email, name="Website form"))
    created = api.post("contacts", json={"first_name": "Wanda", "emails": [{"email": "wanda@example.org"}]})
    assert created.status_code == 201
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "contacts_contact",
                                                              AuditEntry.action == "create"))
        assert entry.actor == f"{admin.email} (API token “Website form”)"
        assert entry.user_id == admin.id


def test_rate_limit_headers_and_429(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3/minute")
    api = api_for(app, admin.email)
    first = api.get("me")
    assert first.headers["RateLimit-Policy"] == '"token";q=3;w=60'
    assert first.headers["RateLimit"].startswith('"token";r=2;t=')
    assert api.get("me").headers["RateLimit"].startswith('"token";r=1;')
    assert api.get("me").status_code == 200
    body = _problem(api.get("me"), 429)
    assert "RateLimit" in body["detail"]
    refused = api.get("me")
    assert refused.headers["RateLimit"].startswith('"token";r=0;') and int(refused.headers["Retry-After"]) >= 1
    # Per token: another token of the same user has its own allowance.
    assert api_for(app, admin.email).get("me").status_code == 200


def test_cli_prints_a_working_token(app, admin):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api", "token", "create", "--user", admin.email, "--name", "Set-up script",
                                 "--scope", "contacts.view", "--expires", "7"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    me = Api(app, secret).get("me").get_json()
    assert me["token"] == "Set-up script" and me["scopes"] == ["contacts.view"]
    bad = runner.invoke(args=["api", "token", "create", "--user", admin.email, "--name", "x", "--scope", "nope.x"])
    assert bad.exit_code != 0 and "does not hold nope.x" in bad.output
    listed = runner.invoke(args=["api", "token", "list"])
    assert "Set-up script\tactive\tcontacts.view" in listed.output
    token_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(args=["api", "token", "revoke", token_id]).output.strip() == "revoked Set-up script"
    assert Api(app, secret).get("me").status_code == 401
    assert "Set-up script\trevoked" in runner.invoke(args=["api", "token", "list"]).output


def test_openapi_document_is_3_1_and_documents_problems(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "description": "A personal access token (stw_...)."}
    assert "application/problem+json" in doc["components"]["responses"]["DEFAULT_ERROR"]["content"]
    for path in ("/api/v1/contacts", "/api/v1/contacts/{contact_id}", "/api/v1/contacts:batch",
                 "/api/v1/households", "/api/v1/organisations", "/api/v1/tasks", "/api/v1/notes/{note_id}",
                 "/api/v1/segments/{segment_id}/members", "/api/v1/contacts/{contact_id}/consent"):
        assert path in doc["paths"], path
    # Nullable fields use 3.1's type lists; the docs' copy is 3.0 for the vendored Swagger UI.
    person = doc["components"]["schemas"]["Person"]["properties"]
    assert person["household_id"]["type"] == ["integer", "null"]
    legacy = app.test_client().get("/api/docs/openapi-3.0.json").get_json()
    assert legacy["openapi"] == "3.0.3"
    assert legacy["components"]["schemas"]["Person"]["properties"]["household_id"]["nullable"] is True


def test_docs_page_uses_only_our_files(app, admin):
    page = app.test_client().get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html and "cdn" not in html.lower() and "style=" not in html
    assert '/static/js/api-docs.js' in html
    asset = app.test_client().get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and b"SwaggerUIBundle" in asset.data[:100000]
    assert app.test_client().get("/api/docs/assets/index.html").status_code == 404


def test_ids_beyond_the_columns_range_are_not_found_or_refused(app, admin):
    """PostgreSQL's INTEGER ids stop at 2**31 - 1: the document says so, and a
    wider id is a 404 (path) or a 422 (body, query, cursor), never a 500."""
    api = api_for(app, admin.email)
    big = 2**31
    _problem(api.get(f"contacts/{big}"), 404)
    _problem(api.get(f"tasks/{big}"), 404)
    assert api.get(f"contacts/{big - 1}").status_code == 404
    body = _problem(api.post("tasks", json={"title": "x", "contact_id": big}), 422)
    assert body["errors"][0]["field"] == "contact_id"
    assert _problem(api.get(f"tasks?after={big}"), 422)["errors"][0]["field"] == "after"
    assert _problem(api.get(f"contacts?after={big}:x"), 422)["errors"][0]["field"] == "after"
    rule = _problem(api.get(f"contacts?f=tag:is:{big}"), 422)["errors"][0]
    assert (rule["field"], rule["detail"]) == ("f[0]", "Choose a tag.")
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    params = doc["paths"]["/api/v1/contacts/{contact_id}"]["parameters"]
    assert {"in": "path", "name": "contact_id", "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": big - 1}} in params
