"""API tokens in a real browser, with JavaScript on and off: a user makes a
token in their account (shown once), uses it, revokes it; an administrator
sees everyone's tokens, expired ones marked, and revokes one. The API docs
page runs Swagger UI from our own files under the CSP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import ApiToken
from app.models.base import utcnow
from tests.api_client import Api, make_token
from tests.browser.conftest import PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_making_using_and_revoking_a_token(app, any_page, new_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    sign_in(page)
    page.goto("/account")
    page.get_by_role("link", name="API tokens").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("No API tokens yet.")).to_be_visible()
    page.get_by_role("button", name="Create token").click()  # no name yet
    settle(page)
    expect(page.get_by_text("Give the token a name.")).to_be_visible()
    page.get_by_label("Name").fill("Nightly sync")
    page.get_by_label("Expires").select_option(label="In 7 days")
    # Every scope the user holds is offered, ticked; keep only reading and editing contacts.
    scopes = page.get_by_role("checkbox", name=re.compile(r"\([a-z_]+\.[a-z_]+\)$"))
    for i in range(scopes.count()):
        box = scopes.nth(i)
        if not re.search(r"\(contacts\.(view|edit)\)$", box.get_attribute("aria-label") or box.evaluate(
                "e => e.labels[0].textContent.trim()")):
            box.uncheck()
    page.get_by_role("button", name="Create token").click()
    settle(page)
    expect(page.get_by_role("heading", name="Your new token “Nightly sync”")).to_be_visible()
    secret = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert secret.startswith("stw_") and len(secret) > 40
    shot(page, f"api-tokens-created-{mode}")
    if page.steward_js:
        assert not [v for v in run_axe(page) if v["impact"] in ("serious", "critical")], \
            describe_violations("/account/tokens", run_axe(page))
    me = Api(app, secret).get("me").get_json()
    assert me["token"] == "Nightly sync" and me["scopes"] == ["contacts.edit", "contacts.view"]
    row = page.get_by_role("row", name="Nightly sync")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("contacts.edit, contacts.view")

    page.goto("/account/tokens")  # a reload never shows the secret again
    expect(page.get_by_role("textbox", name="Token", exact=True)).to_have_count(0)
    phone = new_page(js=page.steward_js, viewport=PHONE)
    sign_in(phone)
    phone.goto("/account/tokens")
    shot(phone, f"api-tokens-phone-{mode}")

    page.get_by_role("button", name="Revoke Nightly sync").click()
    settle(page)
    expect(page.get_by_text("The token “Nightly sync” is revoked: it no longer works.")).to_be_visible()
    expect(page.get_by_role("row", name="Nightly sync")).to_contain_text("Revoked")
    assert Api(app, secret).get("me").status_code == 401


def test_administrators_see_and_revoke_every_token(app, any_page, new_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    staff = make_user(app, "staff@example.org", "staff", name="Sam Staff")
    live = make_token(app, staff.email, name="Website form")
    old = make_token(app, staff.email, name="Last year's import")
    with app.app_context():
        expired = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "Last year's import"))
        expired.expires_at = utcnow() - timedelta(days=3)
        db.session.commit()
    assert Api(app, old).get("me").status_code == 401
    sign_in(page)
    page.goto("/admin/")
    page.get_by_role("link", name="API tokens").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_role("row", name="Last year's import")).to_contain_text("Expired")
    website = page.get_by_role("row", name="Website form")
    expect(website).to_contain_text("Sam Staff")
    expect(website).to_contain_text("Active")
    shot(page, f"api-tokens-admin-{mode}")
    phone = new_page(js=page.steward_js, viewport=PHONE)
    sign_in(phone)
    phone.goto("/admin/api-tokens")
    expect(phone.get_by_role("row", name="Website form")).to_be_attached()
    shot(phone, f"api-tokens-admin-phone-{mode}")
    page.get_by_role("button", name="Revoke Website form").click()
    settle(page)
    expect(page.get_by_text("Sam Staff’s token “Website form” is revoked.")).to_be_visible()
    expect(page.get_by_role("row", name="Website form")).to_contain_text("Revoked")
    assert Api(app, live).get("me").status_code == 401
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)
                                 .where(ApiToken.revoked_at.is_not(None))) == 1


def test_api_docs_render_under_the_csp(app, any_page, new_page, shot):
    page = any_page
    make_user(app)
    page.goto("/api/docs")
    if page.steward_js:
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
        expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/contacts")
        expect(page.locator(".swagger-ui")).to_contain_text("Steward API")
        expect(page.get_by_text("The interactive reference needs JavaScript.")).to_be_hidden()
    else:
        expect(page.get_by_text("The interactive reference needs JavaScript.")).to_be_visible()
    shot(page, f"api-docs-{'js' if page.steward_js else 'nojs'}", full_page=False)
    phone = new_page(js=page.steward_js, viewport=PHONE)
    phone.goto("/api/docs")
    if phone.steward_js:
        expect(phone.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    shot(phone, f"api-docs-phone-{'js' if page.steward_js else 'nojs'}", full_page=False)
    # new_page's teardown fails the test on any Content-Security-Policy violation.
