"""Admin → Webhooks in the browser, JavaScript on and off, with a real
receiver on loopback: an internal URL is refused until its host is
allowed, the secret is shown once and verifies what arrives, a delivery's
attempts are shown and it is sent again, the secret is rotated; axe finds
nothing serious at either width, and nothing is wider than a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.webhooks import Receiver, verify

pytestmark = pytest.mark.browser


def _check(page, label: str, found: dict, shot, name: str) -> None:
    """Screenshots at both widths, the width check, and axe with scripts on."""
    for size, width in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        shot(page, f"{name}-{width}")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= size["width"], f"{label} is {scroll} px wide at {width} px"
        if page.steward_js:  # axe is a script: it runs only where scripts do
            found[f"{label} at {width} px"] = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    page.set_viewport_size(DESKTOP)


def test_subscribe_a_receiver_see_its_deliveries_replay_and_rotate(app, any_page, shot):
    from modules.contacts.people import records

    make_user(app)
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    found: dict[str, list] = {}
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks with the browser's dialog
    sign_in(page)
    with Receiver() as receiver:
        page.goto("/admin/")
        page.get_by_role("link", name="Webhooks Send events").click()
        settle(page)
        expect(page.get_by_text("No endpoint yet.")).to_be_visible()
        _check(page, "the empty webhooks page", found, shot, f"webhooks-empty-{mode}")
        page.get_by_role("link", name="Add an endpoint").click()
        settle(page)
        page.get_by_label("URL", exact=True).fill(receiver.url)
        page.get_by_label("What it is for").fill("Volunteer spreadsheet")
        page.get_by_label("A contact was created (contact.created)").check()
        page.get_by_role("button", name="Add the endpoint").click()
        settle(page)
        expect(page.locator("#url-error")).to_contain_text("127.0.0.1 is a loopback address")
        expect(page.get_by_label("What it is for")).to_have_value("Volunteer spreadsheet")  # nothing typed is lost
        _check(page, "the endpoint form with an error", found, shot, f"webhook-form-error-{mode}")

        page.goto("/admin/webhooks/settings")
        _check(page, "the webhook settings", found, shot, f"webhook-settings-{mode}")
        page.get_by_label("Hosts on your own network that webhooks may reach").fill("127.0.0.1")
        page.get_by_role("button", name="Save the settings").click()
        settle(page)
        expect(page.locator(".flash")).to_contain_text("The webhook settings are saved.")

        page.goto("/admin/webhooks/new")
        page.get_by_label("URL", exact=True).fill(receiver.url)
        page.get_by_label("A contact was created (contact.created)").check()
        page.get_by_role("button", name="Add the endpoint").click()
        settle(page)
        expect(page.get_by_role("heading", name="Signing secret")).to_be_visible()
        secret = page.get_by_label(f"Secret of {receiver.url}").input_value()
        assert secret.startswith("whsec_")
        _check(page, "the secret page", found, shot, f"webhook-secret-{mode}")

        with app.app_context():
            records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
            db.session.commit()
        run_jobs(app)
        assert len(receiver.requests) == 1 and verify(secret, receiver.requests[0].headers, receiver.requests[0].body)

        page.get_by_role("link", name="Go to the endpoint").click()
        settle(page)
        deliveries = page.get_by_role("region", name="Deliveries").locator("tbody tr")
        expect(deliveries).to_have_count(1)
        expect(deliveries.first).to_contain_text("Delivered")
        expect(deliveries.first).to_contain_text("HTTP 200")
        _check(page, "the endpoint page", found, shot, f"webhook-endpoint-{mode}")

        deliveries.first.get_by_role("link", name="contact.created").click()
        settle(page)
        expect(page.get_by_role("region", name="Attempts").locator("tbody tr")).to_have_count(1)
        expect(page.locator("pre").last).to_contain_text('"display_name": "Ada Lovelace"')
        page.get_by_role("button", name="Send it again").click()
        settle(page)
        expect(page.locator(".flash")).to_contain_text("The event is sent again as a new delivery.")
        run_jobs(app)
        assert len(receiver.requests) == 2 and receiver.ids()[0] == receiver.ids()[1]
        page.reload()
        settle(page)
        expect(page.locator(".facts")).to_contain_text("Delivered")
        expect(page.locator(".facts")).to_contain_text("Replay of")
        _check(page, "the delivery page", found, shot, f"webhook-delivery-{mode}")

        page.get_by_role("link", name=receiver.url).first.click()
        settle(page)
        page.get_by_role("button", name="Rotate the secret").click()
        settle(page)
        if not page.steward_js:  # the confirmation page asks first
            page.get_by_role("button", name="Rotate the secret").click()
            settle(page)
        new_secret = page.get_by_label(f"Secret of {receiver.url}").input_value()
        assert new_secret.startswith("whsec_") and new_secret != secret
        with app.app_context():
            records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
            db.session.commit()
        run_jobs(app)
        last = receiver.requests[-1]
        assert verify(secret, last.headers, last.body) and verify(new_secret, last.headers, last.body)

        page.get_by_role("link", name="Go to the endpoint").click()
        settle(page)
        page.get_by_role("button", name="Send a test event").click()
        settle(page)
        expect(page.locator(".flash")).to_contain_text("A test event is on its way.")
        run_jobs(app)
        assert receiver.requests[-1].json["type"] == "webhook.test"
        page.reload()
        settle(page)
        expect(page.locator(".facts")).to_contain_text("Delivered")
        expect(page.locator(".table-wrap[aria-label=Attempts]")).to_contain_text("HTTP 200")

        page.goto("/admin/webhooks/")
        expect(page.get_by_role("region", name="Webhook endpoints")).to_contain_text("sending")
        _check(page, "the webhooks page", found, shot, f"webhooks-{mode}")
    serious = {label: v for label, v in found.items() if v}
    assert not serious, "\n".join(describe_violations(label, v) for label, v in serious.items())
