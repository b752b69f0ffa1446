"""axe-core on every core page: no serious or critical violations."""

from __future__ import annotations

import pytest

from tests.browser.conftest import describe_violations, run_axe, seed, settle, sign_in

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def test_setup_page_is_accessible(app, page):
    page.goto("/setup")
    # With the errors showing, too.
    problems = blocking(run_axe(page))
    page.get_by_role("button", name="Create the administrator").click()
    page.locator(".form-alert").wait_for()
    problems_with_errors = blocking(run_axe(page))
    assert not problems, describe_violations("/setup", problems)
    assert not problems_with_errors, describe_violations("/setup (with errors)", problems_with_errors)


def test_signed_in_pages_are_accessible(app, page, live_url):
    data = seed(app, live_url)
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()  # with the errors showing
    page.locator(".form-alert").wait_for()
    pages = {"/login (with errors)": blocking(run_axe(page))}
    page.goto("/password/forgot")
    pages["/password/forgot"] = blocking(run_axe(page))
    sign_in(page)
    for path in ["/", "/admin/", "/admin/users", "/admin/roles", "/admin/roles/new",
                 f"/admin/roles/{data['custom_role_id']}", "/admin/settings", "/admin/modules",
                 "/admin/audit", "/admin/outbox", "/admin/mail-server", "/admin/jobs", "/account"]:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        settle(page)
        pages[path] = blocking(run_axe(page))
    response = page.goto("/no/such/page")
    assert response.status == 404
    pages["/no/such/page (404)"] = blocking(run_axe(page))
    report = "\n\n".join(describe_violations(path, v) for path, v in pages.items() if v)
    assert not report, "\n" + report


def test_role_pages_of_an_editor_with_few_permissions_are_accessible(app, page, live_url, shot):
    """What a role editor who is not an administrator sees: permissions they
    cannot grant as disabled boxes with a note, roles they cannot change read-only."""
    from app.extensions import db
    from app.models import Role, RolePermission
    from tests.conftest import make_user

    data = seed(app, live_url)
    with app.app_context():
        editor_role = Role(name="Role editor", description="Keeps the roles tidy.")
        editor_role.grants = [RolePermission(permission=p) for p in ("core.dashboard", "admin.roles")]
        db.session.add(editor_role)
        db.session.commit()
        db.session.refresh(editor_role)
        db.session.expunge(editor_role)
    make_user(app, "editor@example.org", role=editor_role, name="Eddie Editor")
    sign_in(page, "editor@example.org")
    pages = {}
    for path in ["/admin/roles", "/admin/roles/new", f"/admin/roles/{data['custom_role_id']}",
                 f"/admin/roles/{editor_role.id}"]:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        settle(page)
        pages[path] = blocking(run_axe(page))
        shot(page, "role-editor" + path.replace("/", "-"))
    assert page.get_by_text("This is your own role").count() == 1
    page.goto("/admin/roles/new")
    assert page.get_by_role("checkbox", name="Manage users and invitations").is_disabled()
    assert page.get_by_role("checkbox", name="See the dashboard").is_enabled()
    report = "\n\n".join(describe_violations(path, v) for path, v in pages.items() if v)
    assert not report, "\n" + report
