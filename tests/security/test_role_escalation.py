"""Finding 2 of issue 14: a role editor could make themselves Administrator.

The attack as found: a custom role holding only `admin.roles` granted itself
every permission (POST /admin/roles/<its id>), and its holder then set their
own account to Administrator (POST /admin/users/<own id>)."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditEntry, Role, RolePermission, User
from tests.conftest import csrf_from, login, make_user


def _role(app, name: str, grants) -> Role:
    with app.app_context():
        role = Role(name=name, description="")
        role.grants = [RolePermission(permission=p) for p in grants]
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
        return role


def _grants(app, role_id: int) -> set[str]:
    with app.app_context():
        return {g.permission for g in db.session.get(Role, role_id).grants}


def _denials(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.summary).where(AuditEntry.action == "denied")))


def _signed_in(app, role: Role, email="editor@example.org"):
    user = make_user(app, email, role=role, name="Eddie Editor")
    client = app.test_client()
    login(client, email)
    return client, user


def test_a_role_editor_cannot_make_themselves_administrator(app):
    make_user(app, "chief@example.org", "admin", "Chief")
    editor_role = _role(app, "Role editor", ["admin.roles"])
    client, editor = _signed_in(app, editor_role)
    token = csrf_from(client, "/admin/roles")
    everything = sorted(app.extensions["steward"].permissions)

    grab = client.post(f"/admin/roles/{editor_role.id}",
                       data={"name": "Role editor", "permissions": everything, "csrf_token": token})
    assert grab.status_code == 403
    assert "This is your own role" in grab.get_data(as_text=True)
    with app.app_context():
        admin_id = db.session.scalar(db.select(Role.id).where(Role.key == "admin"))
    promote = client.post(f"/admin/users/{editor.id}",
                          data={"name": "Eddie Editor", "role": str(admin_id), "active": "y", "csrf_token": token})
    assert promote.status_code == 403

    assert _grants(app, editor_role.id) == {"admin.roles"}
    with app.app_context():
        assert db.session.get(User, editor.id).role_id == editor_role.id
    assert client.get("/admin/settings").status_code == 403
    assert any(f"/admin/roles/{editor_role.id}" in s and "your own role" in s for s in _denials(app))


def test_a_new_role_cannot_hold_more_than_its_creator(app):
    client, _ = _signed_in(app, _role(app, "Role editor", ["admin.roles", "core.dashboard"]))
    form = client.get("/admin/roles/new").get_data(as_text=True)
    assert re.search(r'value="admin\.users" disabled', form)
    assert "admin.users · you do not have it, so you cannot grant it" in form
    assert re.search(r'value="core\.dashboard">', form)  # one they hold stays selectable

    forged = client.post("/admin/roles/new", data={
        "name": "Shadow admin", "permissions": ["core.dashboard", "admin.users", "admin.settings"],
        "csrf_token": csrf_from(client, "/admin/roles/new")})
    assert forged.status_code == 422
    html = forged.get_data(as_text=True)
    assert ('<p class="error" id="permissions-error" role="alert">You cannot grant permissions you do not '
            "have yourself: admin.settings, admin.users.</p>") in html
    with app.app_context():
        assert db.session.scalar(db.select(Role).where(Role.name == "Shadow admin")) is None
    assert any("tried to grant admin.settings, admin.users" in s for s in _denials(app))


def test_a_role_with_permissions_one_lacks_is_read_only(app):
    richer = _role(app, "Fundraiser", ["core.dashboard", "admin.audit"])
    client, _ = _signed_in(app, _role(app, "Role editor", ["admin.roles", "core.dashboard"]))
    reason = "It has permissions you do not have (admin.audit), so only someone who has them can change it."

    listing = client.get("/admin/roles").get_data(as_text=True)
    assert reason in listing and "This is your own role" in listing
    page = client.get(f"/admin/roles/{richer.id}").get_data(as_text=True)
    assert reason in page and 'type="checkbox"' not in page

    token = csrf_from(client, "/admin/roles")
    strip = client.post(f"/admin/roles/{richer.id}",
                        data={"name": "Fundraiser", "permissions": ["core.dashboard"], "csrf_token": token})
    delete = client.post(f"/admin/roles/{richer.id}/delete", data={"csrf_token": token})
    assert strip.status_code == delete.status_code == 403
    assert _grants(app, richer.id) == {"core.dashboard", "admin.audit"}
    assert len([s for s in _denials(app) if f"/admin/roles/{richer.id}" in s]) == 2
