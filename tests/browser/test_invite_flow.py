"""An administrator invites a colleague; the colleague joins from the email."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import link_in, run_jobs, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

COLLEAGUE = "casey@example.org"


def test_invite_a_colleague(app, any_page, new_page, smtp, live_url, shot):
    admin = any_page
    js = admin.steward_js
    mode = "js" if js else "nojs"
    make_user(app)
    sign_in(admin)
    admin.get_by_role("link", name="Admin", exact=True).click()
    admin.get_by_role("link", name="Users").first.click()
    expect(admin).to_have_url(f"{live_url}/admin/users")

    form = admin.locator("form.admin-invite")
    form.get_by_label("Email").fill(COLLEAGUE)
    form.get_by_label("Name").fill("Casey Colleague")
    form.get_by_label("Role").select_option(label="Staff")
    form.get_by_role("button", name="Send the invitation").click()
    expect(admin.locator(".flash")).to_contain_text(f"Invitation sent to {COLLEAGUE}")
    invitations = admin.locator("section", has=admin.get_by_role("heading", name="Invitations"))
    row = invitations.locator("tr", has_text=COLLEAGUE)
    expect(row).to_contain_text("Staff")
    expect(row).to_contain_text("Pending")
    shot(admin, f"admin-users-invited-{mode}")

    run_jobs(app)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == COLLEAGUE
    link = link_in(message, "/invitation/")

    # The colleague, in a browser of their own.
    colleague = new_page(js=js)
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_contain_text("Join")
    expect(colleague.locator("main")).to_contain_text("Staff")
    expect(colleague.get_by_label("Your name")).to_have_value("Casey Colleague")
    colleague.get_by_label("Password", exact=True).fill("too short")
    colleague.get_by_label("Repeat password").fill("too short")
    colleague.get_by_role("button", name="Create my account").click()
    expect(colleague.locator(".field:has(#password) .error")).to_contain_text("12 characters")
    expect(colleague.locator("#password")).to_have_attribute("aria-invalid", "true")
    shot(colleague, f"accept-errors-{mode}")

    password = "casey has a long passphrase"
    colleague.get_by_label("Password", exact=True).fill(password)
    colleague.get_by_label("Repeat password").fill(password)
    colleague.get_by_role("button", name="Create my account").click()
    expect(colleague).to_have_url(f"{live_url}/")
    expect(colleague.locator(".flash")).to_have_text("Welcome to Steward, Casey Colleague.")
    colleague.locator("details.usermenu > summary").click()
    panel = colleague.locator(".usermenu-panel")
    expect(panel).to_contain_text(COLLEAGUE)
    expect(panel).to_contain_text("Staff")
    # Staff do not get the admin pages.
    expect(colleague.get_by_role("link", name="Admin", exact=True)).to_have_count(0)

    # The administrator sees the invitation accepted, and Casey as a user.
    admin.goto("/admin/users")
    accepted = invitations.locator("tr", has_text=COLLEAGUE)
    expect(accepted).to_contain_text("Accepted")
    expect(accepted.get_by_role("button")).to_have_count(0)
    users = admin.locator("section", has=admin.get_by_role("heading", name="People who can sign in"))
    user_row = users.locator("tr", has_text=COLLEAGUE)
    expect(user_row).to_contain_text("Casey Colleague")
    expect(user_row).to_contain_text("Staff")
    expect(user_row).to_contain_text("Active")
    admin.goto("/admin/audit")
    expect(admin.locator("#audit-results")).to_contain_text(f"{COLLEAGUE} accepted the invitation")
