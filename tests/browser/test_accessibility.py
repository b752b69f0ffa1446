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
                 "/admin/audit", "/admin/outbox", "/admin/jobs", "/account"]:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        settle(page)
        pages[path] = blocking(run_axe(page))
    response = page.goto("/no/such/page")
    assert response.status == 404
    pages["/no/such/page (404)"] = blocking(run_axe(page))
    report = "\n\n".join(describe_violations(path, v) for path, v in pages.items() if v)
    assert not report, "\n" + report
