"""First-run setup, sign-in, sign-out and sessions (the sign-in limits: test_signin_limits.py)."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry, User, UserSession
from tests.conftest import PASSWORD, login, logout, post_form


def test_every_page_leads_to_setup_until_a_user_exists(client):
    for path in ("/", "/login", "/admin/", "/search?q=x"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup")
    assert client.get("/healthz").status_code == 200


def test_setup_creates_the_first_administrator_then_disappears(app, client):
    response = post_form(client, "/setup", {
        "org_name": "Riverside Food Bank", "name": "Grace Hopper", "email": "Grace@Example.org",
        "password": PASSWORD, "confirm": PASSWORD,
    })
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Riverside Food Bank" in page and "Grace Hopper" in page
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.email == "grace@example.org" and user.role.key == "admin"
        assert user.password_hash.startswith("$argon2")
    assert client.get("/setup").status_code == 404


def test_setup_shows_errors_next_to_fields_and_saves_nothing(app, client):
    response = post_form(client, "/setup", {
        "org_name": "", "name": "G", "email": "not-an-email", "password": "short", "confirm": "other",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your organisation" in html
    assert "Enter a valid email address" in html
    assert "Use at least 12 characters." in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_login_logout_and_audit(app, client, admin):
    response = login(client, admin.email)
    assert response.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200
    logout(client)
    assert client.get("/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
        assert "login" in actions and "logout" in actions
        assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, admin):
    known = post_form(client, "/login", {"email": admin.email, "password": "wrong password!!"})
    unknown = post_form(client, "/login", {"email": "nobody@example.org", "password": "wrong password!!"})
    assert known.status_code == unknown.status_code == 422
    message = "That email and password do not match an active account."
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    with app.app_context():
        failed = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
        assert {e.actor for e in failed} == {admin.email, "nobody@example.org"}


def test_login_redirects_back_but_never_off_site(client, admin):
    assert client.get("/admin/").headers["Location"].startswith("/login?next=/admin/")
    response = post_form(client, "/login?next=/admin/", {"email": admin.email, "password": PASSWORD},
                         page="/login")
    assert response.headers["Location"] == "/admin/"
    logout(client)
    response = post_form(client, "/login?next=//evil.example/x", {"email": admin.email, "password": PASSWORD},
                         page="/login")
    assert response.headers["Location"] == "/"


def test_session_is_renewed_at_login_and_a_copied_cookie_dies_at_logout(app, client, admin):
    client.get("/login")
    before = client.get_cookie("session").value
    login(client, admin.email)
    after = client.get_cookie("session").value
    assert before != after
    thief = app.test_client()
    thief.set_cookie("session", after)
    assert thief.get("/").status_code == 200
    logout(client)
    assert thief.get("/").status_code == 302


def test_idle_sessions_expire(app, client, admin):
    login(client, admin.email)
    with app.app_context():
        row = db.session.scalar(db.select(UserSession))
        row.last_seen_at = row.last_seen_at - __import__("datetime").timedelta(minutes=61)
        db.session.commit()
    assert client.get("/").status_code == 302


def test_remember_me_makes_a_lasting_cookie(client, admin):
    login(client, admin.email, remember="y")
    cookie = client.get_cookie("session")
    assert cookie.expires is not None


def test_session_cookie_flags(client, admin):
    response = post_form(client, "/login", {"email": admin.email, "password": PASSWORD})
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_deactivated_users_are_signed_out_and_cannot_sign_in(app, client, admin):
    login(client, admin.email)
    with app.app_context():
        db.session.get(User, admin.id).active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    response = post_form(client, "/login", {"email": admin.email, "password": PASSWORD})
    assert response.status_code == 422
