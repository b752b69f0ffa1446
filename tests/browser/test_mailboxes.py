"""Admin → Mailboxes in the browser, JavaScript on and off, against a real
IMAP server (Dovecot on loopback): add a mailbox, "Check now" shows what the
server answered, the worker's poll takes the mail in, a failed message is
read again once its cause is fixed; axe finds nothing serious at either width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.intake import polling
from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.imap import IMAPServer

pytestmark = pytest.mark.browser


def _axe(page, label: str, found: dict) -> None:
    if not page.steward_js:  # axe is a script: it runs only where scripts do
        return
    for size, name in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        found[f"{label} at {name} px"] = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    page.set_viewport_size(DESKTOP)


def test_connect_a_mailbox_check_it_and_see_what_was_taken_in(app, any_page, shot):
    make_user(app)
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    found: dict[str, list] = {}
    sign_in(page)
    with IMAPServer(users={"greetings": "s3cret-pass"}) as imap:
        imap.append("greetings", b"From: ann@example.org\r\nSubject: Good morning\r\nMessage-ID: <gm@x>\r\n\r\nHi\r\n")
        imap.append("greetings", b"From: bob@example.org\r\nMessage-ID: <nosubject@x>\r\n\r\nNo subject\r\n")
        page.goto("/admin/")
        page.get_by_role("link", name="Mailboxes").click()
        settle(page)
        expect(page.get_by_text("No mail taken in yet.")).to_be_visible()
        page.get_by_role("link", name="Add a mailbox").click()
        settle(page)
        page.get_by_label("Name", exact=True).fill("Greetings")
        page.get_by_label("IMAP server").fill("127.0.0.1")
        page.get_by_label("Port").fill(str(imap.port))
        page.get_by_label("Security").select_option("none")
        page.get_by_label("User name").fill("greetings")
        page.get_by_role("button", name="Save the mailbox").click()
        settle(page)
        expect(page.locator("#password-error")).to_contain_text(
            "Enter the password to sign in with.")
        expect(page.get_by_label("Name", exact=True)).to_have_value("Greetings")  # nothing typed is lost
        page.get_by_label("Password", exact=True).fill("s3cret-pass")
        page.get_by_role("button", name="Save the mailbox").click()
        settle(page)
        expect(page.locator(".flash")).to_contain_text("The mailbox Greetings is saved")
        page.get_by_role("button", name="Check now").click()
        settle(page)
        report = page.locator(".mail-test")
        expect(report).to_contain_text("The mailbox can be read.")
        expect(report).to_contain_text("Signed in as greetings.")
        expect(report).to_contain_text("holds 2 message(s); 2 would be read at the next poll.")
        shot(page, f"mailbox-check-{mode}")
        _axe(page, "mailbox form", found)

        with app.app_context():  # the worker's minute comes
            assert polling.poll_all().startswith("1 mailbox(es): 2 new message(s), 1 failed")
        page.goto("/admin/mailboxes")
        settle(page)
        rows = page.locator("table").nth(1).locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("failed")
        expect(rows.nth(1)).to_contain_text("added the greeting “Good morning”")
        shot(page, f"mailboxes-{mode}")
        page.set_viewport_size(PHONE)
        shot(page, f"mailboxes-phone-{mode}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide at phone width"
        page.set_viewport_size(DESKTOP)
        _axe(page, "mailboxes", found)

        page.get_by_role("link", name="(no subject)").click()
        settle(page)
        expect(page.locator("pre.admin-error")).to_contain_text("a greeting needs a subject")
        _axe(page, "inbound message", found)
        page.get_by_role("button", name="Read it again").click()
        settle(page)
        expect(page.locator(".flash")).to_contain_text("It failed again; the error is below.")
    with app.app_context():
        from steward_hello.models import Greeting

        assert db.session.scalars(db.select(Greeting.text)).all() == ["Good morning"]
    report = "\n\n".join(describe_violations(label, v) for label, v in found.items() if v)
    assert not report, report
