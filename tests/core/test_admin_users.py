"""Admin: the users list, editing users, invitations."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditEntry, Invitation, MailMessage, Role, User, UserSession
from tests.conftest import PASSWORD, csrf_from, login, make_user, post_form


def _role_id(app, key):
    with app.app_context():
        return db.session.scalar(db.select(Role.id).where(Role.key == key))


def test_users_page_lists_users_and_pages_by_keyset(app, admin_client):
    for n in range(55):
        make_user(app, f"user{n:02}@example.org", "staff", f"User {n:02}")
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Ada Admin" in html and "User 48" in html and "User 49" not in html
    assert "Never" in html  # the staff users never signed in
    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "after=" in next_url and 'rel="prev"' not in html
    second = admin_client.get(next_url).get_data(as_text=True)
    assert "User 49" in second and "User 54" in second and "User 48" not in second
    assert 'rel="next"' not in second
    prev_url = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    back = admin_client.get(prev_url).get_data(as_text=True)
    assert "Ada Admin" in back and "User 48" in back and "User 49" not in back


def test_invite_emails_a_link_that_creates_the_user(app, admin_client):
    staff = _role_id(app, "staff")
    response = post_form(admin_client, "/admin/users/invite",
                         {"email": "New.Person@Example.org", "name": "Nia", "role": staff}, page="/admin/users")
    assert response.status_code == 303
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Delivery is off: the email waits in the" in page
    assert "new.person@example.org" in page and "Pending" in page
    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation))
        message = db.session.scalar(db.select(MailMessage))
        assert invitation.email == "new.person@example.org" and invitation.role.key == "staff"
        assert message.recipient == "new.person@example.org"
        assert f"/admin/outbox/{message.id}" in page
        link = re.search(r"https?://\S+/invitation/\S+", message.text_body).group(0)
    # The admin can read the link in the outbox; the invitee follows it.
    assert link in admin_client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    invitee = app.test_client()
    path = link.removeprefix(app.config["BASE_URL"])
    assert invitee.get(path).status_code == 200
    accepted = post_form(invitee, path, {"name": "Nia Newman", "password": PASSWORD, "confirm": PASSWORD})
    assert accepted.status_code == 303
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "new.person@example.org"))
        assert user.name == "Nia Newman" and user.role.key == "staff"
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Accepted" in page and "Resend<span class=\"visually-hidden\"> the invitation for new.person" not in page


def test_invite_shows_errors_next_to_fields_and_refuses_existing_users(app, admin_client, admin):
    bad = post_form(admin_client, "/admin/users/invite", {"email": "nope", "name": "", "role": ""},
                    page="/admin/users")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Enter a valid email address" in html and 'id="email-error"' in html
    taken = post_form(admin_client, "/admin/users/invite",
                      {"email": admin.email, "name": "", "role": _role_id(app, "staff")}, page="/admin/users")
    assert taken.status_code == 422
    assert "There is already a user with this email address." in taken.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Invitation.id)) is None


def test_resend_makes_a_new_link_and_revoke_asks_first(app, admin_client):
    post_form(admin_client, "/admin/users/invite",
              {"email": "pat@example.org", "name": "Pat", "role": _role_id(app, "volunteer")},
              page="/admin/users")
    with app.app_context():
        first = db.session.scalar(db.select(Invitation))
    resent = post_form(admin_client, f"/admin/invitations/{first.id}/resend", {}, page="/admin/users")
    assert resent.status_code == 303
    with app.app_context():
        invitations = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
        assert [i.status for i in invitations] == ["revoked", "pending"]
        bodies = [m.text_body for m in db.session.scalars(db.select(MailMessage).order_by(MailMessage.id))]
        assert len(bodies) == 2 and bodies[0] != bodies[1]
        second = invitations[1]
    confirm = admin_client.get(f"/admin/invitations/{second.id}/revoke")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Revoke the invitation for pat@example.org?" in html
    assert f'action="/admin/invitations/{second.id}/revoke"' in html and 'method="post"' in html
    response = post_form(admin_client, f"/admin/invitations/{second.id}/revoke", {},
                         page=f"/admin/invitations/{second.id}/revoke")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Invitation, second.id).status == "revoked"
    assert "No open invitations." in admin_client.get("/admin/users").get_data(as_text=True)
    # Revoking needs a POST with the CSRF token.
    assert admin_client.post(f"/admin/invitations/{second.id}/revoke").status_code in (400, 404)


def test_changing_a_role_is_audited_with_old_and_new_names(app, admin_client):
    staff = make_user(app, "sam@example.org", "staff", "Sam")
    response = post_form(admin_client, f"/admin/users/{staff.id}",
                         {"name": "Sam Smith", "role": _role_id(app, "manager"), "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, staff.id)
        assert user.role.key == "manager" and user.name == "Sam Smith"
        role_entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "role_change"))
        assert role_entry.changes == {"role": ["Staff", "Manager"]}
        assert role_entry.object_id == str(staff.id) and role_entry.actor == "admin@example.org"
        update = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update",
                                                               AuditEntry.object_type == "core_user"))
        assert update.changes == {"name": ["Sam", "Sam Smith"]}


def test_deactivating_signs_the_user_out_everywhere(app, admin_client):
    staff = make_user(app, "sam@example.org", "staff", "Sam")
    theirs = app.test_client()
    login(theirs, staff.email)
    assert theirs.get("/").status_code == 200
    response = post_form(admin_client, f"/admin/users/{staff.id}",
                         {"name": "Sam", "role": _role_id(app, "staff")})  # active unchecked
    assert response.status_code == 303
    assert theirs.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, staff.id).active is False
        assert db.session.scalar(db.select(UserSession.token).where(UserSession.user_id == staff.id)) is None
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "update",
                                                              AuditEntry.object_type == "core_user"))
        assert entry.changes == {"active": [True, False]}
    assert "Deactivated" in admin_client.get("/admin/users").get_data(as_text=True)


def test_admins_cannot_lock_themselves_or_everyone_out(app, admin_client, admin):
    admin_role = _role_id(app, "admin")
    own = post_form(admin_client, f"/admin/users/{admin.id}", {"name": admin.name, "role": admin_role})
    assert own.status_code == 422
    assert "You cannot deactivate your own account." in own.get_data(as_text=True)
    demote = post_form(admin_client, f"/admin/users/{admin.id}",
                       {"name": admin.name, "role": _role_id(app, "staff"), "active": "y"})
    html = demote.get_data(as_text=True)
    assert demote.status_code == 422 and "is the last active Administrator" in html
    assert 'id="role-error"' in html
    with app.app_context():
        assert db.session.get(User, admin.id).role.key == "admin"
    # With a second administrator, the first may step down.
    make_user(app, "second@example.org", "admin", "Second Admin")
    ok = post_form(admin_client, f"/admin/users/{admin.id}",
                   {"name": admin.name, "role": _role_id(app, "staff"), "active": "y"})
    assert ok.status_code == 303 and ok.headers["Location"] == "/"  # no longer allowed on the users page
    assert admin_client.get("/admin/users").status_code == 403


def test_another_admin_can_be_deactivated_while_one_stays_active(app, admin_client, admin):
    other = make_user(app, "other@example.org", "admin", "Other Admin")
    ok = post_form(admin_client, f"/admin/users/{other.id}", {"name": other.name,
                                                             "role": _role_id(app, "admin")})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.get(User, other.id).active is False


def test_users_pages_need_the_permission(app, client):
    make_user(app)
    make_user(app, "staff@example.org", "staff", "Stella")
    login(client, "staff@example.org")
    assert client.get("/admin/users").status_code == 403
    token = csrf_from(client, "/")
    assert client.post("/admin/users/invite", data={"csrf_token": token, "email": "x@example.org"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(Invitation.id)) is None


def test_global_search_finds_users_and_links_to_their_page(app, admin_client):
    sam = make_user(app, "sam@example.org", "staff", "Samira Stone")
    html = admin_client.get("/search?q=samira").get_data(as_text=True)
    assert f'href="/admin/users/{sam.id}"' in html and "sam@example.org · Staff" in html
    page = admin_client.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    assert "Samira Stone" in page and '<option selected value="' in page


def test_user_managers_cannot_grant_more_than_they_hold(app, client):
    from app.extensions import db
    from app.models import Role, RolePermission, User
    from tests.conftest import login, make_user, post_form

    with app.app_context():
        role = Role(name="User manager", description="")
        role.grants = [RolePermission(permission=p) for p in ("core.dashboard", "admin.users")]
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
        admin_role_id = db.session.scalar(db.select(Role.id).where(Role.key == "admin"))
    manager = make_user(app, "um@example.org", role=role, name="Uma Manager")
    chief = make_user(app, "chief@example.org", "admin", "Chief")
    login(client, manager.email)
    page = client.get("/admin/users").get_data(as_text=True)
    assert ">Administrator</option>" not in page and ">Staff</option>" not in page
    assert client.get(f"/admin/users/{chief.id}").status_code == 403
    response = post_form(client, f"/admin/users/{manager.id}",
                         {"name": "Uma Manager", "role": str(admin_role_id), "active": "y"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, manager.id).role_id == role.id
