"""Admin: built-in and custom roles."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry, Role, RolePermission
from tests.conftest import login, make_user, post_form


def _role(app, name):
    with app.app_context():
        role = db.session.scalar(db.select(Role).where(Role.name == name))
        if role is not None:
            db.session.expunge(role)
        return role


def test_roles_page_lists_roles_with_counts(app, admin_client):
    make_user(app, "s1@example.org", "staff", "S1")
    make_user(app, "s2@example.org", "staff", "S2")
    html = admin_client.get("/admin/roles").get_data(as_text=True)
    for name in ("Administrator", "Manager", "Staff", "Volunteer"):
        assert name in html
    # Staff: two users; the Administrator has every permission.
    assert '<td class="num">2</td>' in html
    with app.app_context():
        total = len(app.extensions["steward"].permissions)
    assert f"{total} of {total}" in html


def test_builtin_roles_are_read_only(app, admin_client):
    staff = _role(app, "Staff")
    html = admin_client.get(f"/admin/roles/{staff.id}").get_data(as_text=True)
    assert "Built-in roles cannot be changed" in html
    assert "<legend>Core</legend>" in html and "core.dashboard" in html
    assert 'type="checkbox"' not in html
    assert post_form(admin_client, f"/admin/roles/{staff.id}", {"name": "Hacked"},
                     page="/admin/roles").status_code == 405
    assert _role(app, "Staff") is not None


def test_custom_role_grants_exactly_its_permissions(app, admin_client, client):
    form = admin_client.get("/admin/roles/new").get_data(as_text=True)
    assert "<legend>Core</legend>" in form and 'value="admin.audit"' in form
    response = post_form(admin_client, "/admin/roles/new", {
        "name": "Auditor", "description": "Reads the audit log",
        "permissions": ["admin.audit", "core.dashboard"],
    })
    assert response.status_code == 303
    role = _role(app, "Auditor")
    with app.app_context():
        grants = set(db.session.scalars(db.select(RolePermission.permission).where(RolePermission.role_id == role.id)))
        assert grants == {"admin.audit", "core.dashboard"}
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "role_change"))
        assert entry.changes["permissions"] == [[], ["admin.audit", "core.dashboard"]]
        assert entry.summary == "Permissions of Auditor: added admin.audit, core.dashboard"
        auditor = make_user(app, "aud@example.org", name="Audrey", role=db.session.get(Role, role.id))
    other = app.test_client()
    login(other, auditor.email)
    assert other.get("/admin/audit").status_code == 200
    assert other.get("/").status_code == 200
    assert other.get("/admin/users").status_code == 403
    assert other.get("/admin/roles").status_code == 403


def test_editing_a_custom_role_audits_added_and_removed(app, admin_client):
    post_form(admin_client, "/admin/roles/new", {"name": "Helper", "permissions": ["admin.audit"]})
    role = _role(app, "Helper")
    page = admin_client.get(f"/admin/roles/{role.id}").get_data(as_text=True)
    assert 'value="admin.audit" checked' in page
    response = post_form(admin_client, f"/admin/roles/{role.id}", {
        "name": "Mail helper", "description": "", "permissions": ["admin.mail"],
    })
    assert response.status_code == 303
    with app.app_context():
        role = db.session.get(Role, role.id)
        assert role.name == "Mail helper"
        assert [g.permission for g in role.grants] == ["admin.mail"]
        last = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "role_change")
                                  .order_by(AuditEntry.id.desc())).first()
        assert last.changes == {"permissions": [["admin.audit"], ["admin.mail"]]}
        assert last.summary == "Permissions of Mail helper: added admin.mail; removed admin.audit"
        rename = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update",
                                                               AuditEntry.object_type == "core_role"))
        assert rename.changes == {"name": ["Helper", "Mail helper"]}


def test_role_names_are_unique_and_permissions_must_exist(app, admin_client):
    taken = post_form(admin_client, "/admin/roles/new", {"name": "staff"})
    assert taken.status_code == 422
    assert "Another role already has this name." in taken.get_data(as_text=True)
    bogus = post_form(admin_client, "/admin/roles/new", {"name": "Odd", "permissions": ["root.everything"]})
    assert bogus.status_code == 422
    assert _role(app, "Odd") is None


def test_a_role_in_use_cannot_be_deleted_and_an_unused_one_can(app, admin_client):
    post_form(admin_client, "/admin/roles/new", {"name": "Temp", "permissions": ["core.dashboard"]})
    role = _role(app, "Temp")
    user = make_user(app, "t@example.org", name="Tina", role=role)
    refused = post_form(admin_client, f"/admin/roles/{role.id}/delete", {}, page=f"/admin/roles/{role.id}")
    assert refused.status_code == 303
    html = admin_client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted while users have it" in html
    assert _role(app, "Temp") is not None
    with app.app_context():
        from app.models import User

        db.session.get(User, user.id).role = db.session.scalar(db.select(Role).where(Role.key == "staff"))
        db.session.commit()
    confirm = admin_client.get(f"/admin/roles/{role.id}/delete").get_data(as_text=True)
    assert "Delete the role Temp?" in confirm and 'method="post"' in confirm
    deleted = post_form(admin_client, f"/admin/roles/{role.id}/delete", {}, page=f"/admin/roles/{role.id}/delete")
    assert deleted.status_code == 303
    assert _role(app, "Temp") is None
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "delete",
                                                             AuditEntry.object_type == "core_role")) is not None
