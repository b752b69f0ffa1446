"""Two admins editing the same role or user (issue 15, part 1): different
fields merge, the same field comes back as a conflict naming who changed it,
and a form without a token saves as before (tests/conflict_table.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.extensions import db
from app.models import Role, RolePermission, User
from tests.conflict_table import Case, check_clash, check_merge, check_no_token
from tests.conftest import login, make_user
from tests.forms import changed, form_data
from tests.two_editors import page, two_editors


def _role(app):
    with app.app_context():
        role = Role(name="Helper", description="Helps", grants=[RolePermission(permission="admin.audit")])
        db.session.add(role)
        db.session.commit()
        role_id = role.id

    def read(app):
        with app.app_context():
            role = db.session.get(Role, role_id)
            return {"name": role.name, "description": role.description,
                    "permissions": sorted(g.permission for g in role.grants)}

    return f"/admin/roles/{role_id}", read


def _role_id(app, key: str) -> str:
    with app.app_context():
        return str(db.session.scalar(db.select(Role.id).where(Role.key == key)))


def _user(app):
    user_id = make_user(app, "kim@example.org", role_key="staff", name="Kim Doe").id

    def read(app):
        with app.app_context():
            user = db.session.get(User, user_id)
            return {"name": user.name, "role": user.role.key, "active": user.active}

    return f"/admin/users/{user_id}", read


CASES = [
    Case("role-permissions", _role,
         theirs={"description": "Reads the audit log"}, mine={"permissions": ["admin.audit", "admin.mail"]},
         merged={"description": "Reads the audit log", "permissions": ["admin.audit", "admin.mail"]},
         clash="permissions", their_value=["admin.mail"], my_value=["admin.audit", "core.dashboard"],
         stored="permissions", their_stored=["admin.mail"], my_stored=["admin.audit", "core.dashboard"],
         their_shown="admin.mail"),
    Case("role-name", _role,
         theirs={"permissions": []}, mine={"name": "Auditor"},
         merged={"name": "Auditor", "permissions": []},
         clash="name", their_value="Audit helper", my_value="Auditor",
         stored="name", their_stored="Audit helper", my_stored="Auditor", their_shown="Audit helper"),
    Case("user", _user,
         theirs={"name": "Kim Dee"}, mine={"active": []},
         merged={"name": "Kim Dee", "role": "staff", "active": False},
         clash="role", their_value="<volunteer>", my_value="<manager>",
         stored="role", their_stored="volunteer", my_stored="manager", their_shown="Volunteer"),
]


def _resolved(app, case: Case) -> Case:
    """Role ids are known once the app has its roles: "<key>" stands for one."""
    def fix(value):
        return _role_id(app, value[1:-1]) if isinstance(value, str) and value.startswith("<") else value

    return replace(case, their_value=fix(case.their_value), my_value=fix(case.my_value))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_changes_to_different_fields_are_both_stored(app, case):
    check_merge(app, _resolved(app, case))


@pytest.mark.parametrize("choice", ["mine", "theirs"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_same_field_changed_by_both_is_a_conflict(app, case, choice):
    check_clash(app, _resolved(app, case), choice)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_form_without_a_token_saves_last_as_before(app, case):
    check_no_token(app, _resolved(app, case))


def test_a_permissions_conflict_names_who_changed_them(app):
    """The permissions are audited as "permissions", so the conflict names
    the person who changed them, not whoever saved the role last."""
    first, second = two_editors(app)
    url, read = _role(app)
    form_a, form_b = form_data(page(first, url), url), form_data(page(second, url), url)
    third = make_user(app, "lee@example.org", name="Lee Third")
    other = app.test_client()
    login(other, third.email)
    form_c = form_data(page(other, url), url)
    assert first.post(url, data=changed(form_a, permissions=["admin.mail"])).status_code == 303
    assert other.post(url, data=changed(form_c, description="Changed last")).status_code == 303

    clash = second.post(url, data=changed(form_b, permissions=[]))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Ada Admin changed this at" in html and "Lee Third changed this" not in html
    assert read(app) == {"name": "Helper", "description": "Changed last", "permissions": ["admin.mail"]}
