"""Admin → Mail server in the browser, JavaScript on and off: save a server
(a real SMTP server on 127.0.0.1), then "Send a test email" shows what it
answered, and a refusal says so plainly."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser


def test_save_a_server_and_send_a_test_email(app, any_page, shot):
    make_user(app)
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    sign_in(page)
    with SMTPServer() as smtp, SMTPServer(reject=True) as refusing:
        page.goto("/admin/mail-server")
        expect(page.locator(".notice")).to_contain_text("Delivery is off.")
        page.get_by_label("SMTP server").fill("127.0.0.1")
        page.get_by_label("Port").fill(str(smtp.port))
        page.get_by_label("Security").select_option("none")
        page.get_by_label("Password", exact=True).fill("a-secret-word")
        page.get_by_label("Send as").fill("office@example.org")
        page.get_by_role("button", name="Save the mail server").click()
        settle(page)
        expect(page.locator(".flash")).to_contain_text("The mail server is saved.")
        expect(page.get_by_label("Password", exact=True)).to_have_value("")
        expect(page.get_by_text("A password is stored.")).to_be_visible()

        page.get_by_label("Send the test to").fill("check@example.org")
        page.get_by_role("button", name="Send a test email").click()
        settle(page)
        result = page.locator(".mail-test")
        expect(result).to_contain_text("The server accepted the test email.")
        expect(result).to_contain_text("The message: 250 Message accepted.")
        assert [m["To"] for m in smtp.messages] == ["check@example.org"]
        shot(page, f"mail-server-test-{mode}")

        page.get_by_label("Port").fill(str(refusing.port))
        page.get_by_role("button", name="Save the mail server").click()
        settle(page)
        page.get_by_label("Send the test to").fill("nobody@example.org")
        page.get_by_role("button", name="Send a test email").click()
        settle(page)
        expect(page.locator(".mail-test")).to_contain_text("The test email was not sent.")
        expect(page.locator(".mail-test")).to_contain_text(
            "Recipient nobody@example.org: 550 5.1.1 No such mailbox here.")
        shot(page, f"mail-server-refused-{mode}")
