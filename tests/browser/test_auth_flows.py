"""Signing in and out, and resetting a password, as a person in a browser does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import link_in, run_jobs, sign_in, sign_out
from tests.conftest import PASSWORD, make_user
from tests.signin import attempt

pytestmark = pytest.mark.browser


def test_sign_in_and_out(app, any_page, live_url):
    page = any_page
    make_user(app)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)$"))

    sign_in(page, password="not the password at all")
    error = page.locator(".field:has(#password) .error")
    expect(error).to_have_text("That email and password do not match an active account.")
    expect(page.get_by_label("Email")).to_have_value("admin@example.org")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Ada")

    # The user menu is a <details>: it opens with or without JavaScript.
    menu = page.locator("details.usermenu")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    expect(menu.locator(".usermenu-panel")).to_contain_text("Administrator")
    sign_out(page)
    expect(page).to_have_url(f"{live_url}/login")
    expect(page.locator(".flash")).to_have_text("You are signed out.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)$"))


def test_password_reset_by_email(app, page, smtp, live_url, shot):
    make_user(app)
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(f"{live_url}/password/forgot")
    shot(page, "forgot-desktop")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page).to_have_url(f"{live_url}/login")
    expect(page.locator(".flash")).to_contain_text("If that address belongs to an account")

    run_jobs(app)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "admin@example.org"
    link = link_in(message, "/password/reset/")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password").fill("short")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".field:has(#password) .error")).to_contain_text("12 characters")

    new_password = "a brand new passphrase 42"
    page.get_by_label("Password", exact=True).fill(new_password)
    page.get_by_label("Repeat password").fill(new_password)
    page.get_by_role("button", name="Save the new password").click()
    expect(page).to_have_url(f"{live_url}/login")
    expect(page.locator(".flash")).to_have_text("Your password is changed. Sign in with it now.")

    sign_in(page, password=PASSWORD)
    expect(page.locator(".field:has(#password) .error")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(new_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_url}/")

    # The link works once.
    response = page.context.request.get(link, max_redirects=0)
    assert response.status in (302, 410)


def test_a_hammered_account_lets_its_owner_in_from_her_own_browser(app, new_page, live_url, signin_clock):
    make_user(app)
    own = new_page(js=True)
    sign_in(own)
    sign_out(own)
    # Someone else types her email with a wrong password, from ten other networks.
    for n in range(10):
        attempt(app.test_client(), "admin@example.org", f"maybe this {n}", address=f"192.0.2.{n}")

    newcomer = new_page(js=False)
    sign_in(newcomer)
    expect(newcomer.locator(".form-alert")).to_have_text(
        "Too many failed sign-ins for this account. Try again in 30 seconds, sign in on a device you "
        "have used before, or reset your password.")

    sign_in(own)
    expect(own).to_have_url(f"{live_url}/")
    own.goto("/admin/lockouts")
    row = own.get_by_role("row", name=re.compile(r"admin@example\.org \(on devices they have not used before\)"))
    expect(row).to_contain_text("10")
    own.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("Lift the wait")).click()
    expect(own.locator(".flash")).to_contain_text("The wait is lifted")
    expect(own.get_by_text("Nobody is waiting")).to_be_visible()

    sign_in(newcomer)
    expect(newcomer).to_have_url(f"{live_url}/")
