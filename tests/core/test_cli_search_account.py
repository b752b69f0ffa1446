"""`flask users create`, global search, the account page and denied access."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry, User
from tests.conftest import PASSWORD, login, logout, make_user, post_form


def test_users_create_makes_the_first_admin_headlessly(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Head@Example.org", "--password", PASSWORD,
                                 "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "Created head@example.org (Administrator)." in result.output
    assert client.get("/setup").status_code == 404
    login(client, "head@example.org")


def test_users_create_explains_bad_input(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "--email", "a@example.org", "--password", "short"])
    assert short.exit_code != 0 and "Use at least 12 characters." in short.output
    role = runner.invoke(args=["users", "create", "--email", "a@example.org", "--password", PASSWORD,
                               "--role", "wizard"])
    assert role.exit_code != 0 and "no role called 'wizard'" in role.output
    runner.invoke(args=["users", "create", "--email", "a@example.org", "--password", PASSWORD])
    again = runner.invoke(args=["users", "create", "--email", "a@example.org", "--password", PASSWORD])
    assert again.exit_code != 0 and "already exists" in again.output


def test_global_search_finds_users_for_admins_only(app, client, admin):
    make_user(app, "volunteer@example.org", "volunteer", "Vera Volunteer")
    login(client, admin.email)
    page = client.get("/search?q=vera").get_data(as_text=True)
    assert "Vera Volunteer" in page and "volunteer@example.org" in page
    fragment = client.get("/search?q=vera", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Vera Volunteer" in fragment and "<html" not in fragment
    logout(client)
    login(client, "volunteer@example.org")
    page = client.get("/search?q=ada").get_data(as_text=True)
    assert "Ada Admin" not in page and "Nothing matches" in page


def test_denied_access_is_403_and_audited(app, client):
    make_user(app, "staff@example.org", "staff", "Sam Staff")
    login(client, "staff@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Your role does not include this page" in response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "denied"))
        assert entry.actor == "staff@example.org" and entry.object_id == "admin.users"


def test_account_page_changes_name_and_password(app, client, admin):
    login(client, admin.email)
    wrong = post_form(client, "/account", {"name": "Ada L.", "current_password": "not it at all",
                                           "password": "another long passphrase"})
    assert wrong.status_code == 422
    assert "Enter your current password to change it." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).name == "Ada Admin"  # nothing half-saved
    ok = post_form(client, "/account", {"name": "Ada L.", "current_password": PASSWORD,
                                        "password": "another long passphrase"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.get(User, admin.id).name == "Ada L."
    logout(client)
    login(client, admin.email, "another long passphrase")


def test_a_role_without_the_dashboard_lands_on_a_page_it_may_open(app, client):
    from app.models import Role, RolePermission

    with app.app_context():
        role = Role(name="Auditor", description="")
        role.grants = [RolePermission(permission="admin.audit")]
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
    make_user(app, "auditor@example.org", role=role, name="Audrey")
    response = login(client, "auditor@example.org")
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_changing_the_password_signs_out_other_devices(app, admin):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, admin.email)
    login(phone, admin.email)
    response = post_form(laptop, "/account", {"name": "Ada Admin", "current_password": PASSWORD,
                                              "password": "a different passphrase"})
    assert response.status_code == 303
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
