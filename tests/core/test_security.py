"""Security headers, CSRF (forms and HTMX) and cookies."""

from __future__ import annotations

from tests.conftest import csrf_from


def test_every_response_carries_the_security_headers(client, admin):
    for path in ("/login", "/healthz", "/static/css/steward.css", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_vary_on_hx_request_and_are_not_cached(client, admin):
    response = client.get("/login")
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_post_without_csrf_token_is_refused(client, admin):
    response = client.post("/login", data={"email": admin.email, "password": "whatever it is"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def test_htmx_posts_carry_the_token_in_a_header(client, admin):
    from tests.conftest import PASSWORD

    token = csrf_from(client, "/login")
    refused = client.post("/login", data={"email": admin.email, "password": PASSWORD},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post("/login", data={"email": admin.email, "password": PASSWORD},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 303


def test_production_session_cookies_are_secure(tmp_path, app):
    from app import create_app
    from tests.conftest import PASSWORD, app_config, make_user

    production = create_app(app_config(tmp_path, SECRET_KEY="s" * 50, STEWARD_ENV="production",
                                       BASE_URL="https://localhost",
                                       SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))
    user = make_user(app)
    client = production.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token},
                           base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
