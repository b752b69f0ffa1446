"""The integrations in a real browser, with and without JavaScript: an
admin sets Stripe's signing secret and sees a signed donation arrive as a
gift; sets the accounts and downloads a journal; makes a calendar link and
reads it back. The pages pass axe."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from modules.contacts.models import Contact
from modules.pipeline.models import Gift
from modules.pipeline.stripe.signature import sign
from tests.browser.conftest import run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.pipeline import stripe_events as se

pytestmark = pytest.mark.browser


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def _deliver(live_url: str, payload: dict) -> str:
    body = json.dumps(payload).encode()
    stamp = int(time.time())
    request = urllib.request.Request(f"{live_url}/pipeline/stripe/webhook", data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={sign(body, se.SECRET, stamp)}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read().decode()


def test_stripe_accounting_and_calendar(app, any_page, live_url, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    sign_in(page)
    problems = {}

    page.goto("/pipeline/admin/online-donations")
    settle(page)
    expect(page.get_by_role("main")).to_contain_text("not set")
    page.get_by_label("New signing secret").fill(se.SECRET)
    page.get_by_role("button", name="Save the online donation settings").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text("a new signing secret")
    expect(page.get_by_role("main")).to_contain_text("whsec_…0123")
    assert "gift #" in _deliver(live_url, se.event("checkout.session.completed", se.checkout_paid(amount=4200)))
    page.reload()
    settle(page)
    events = page.get_by_role("table", name=re.compile("Events from Stripe"))
    expect(events).to_contain_text("checkout.session.completed")
    expect(events).to_contain_text("recorded for a new contact")
    problems["stripe"] = _blocking(page)
    shot(page, f"integrations-stripe-{mode}")
    with app.app_context():
        assert db.session.execute(select(Gift.amount, Contact.display_name).join(
            Contact, Contact.id == Gift.contact_id)).all() == [(Decimal("42.00"), "Grace Hopper")]

    page.goto("/pipeline/giving/accounting")
    settle(page)
    expect(page.get_by_role("main")).to_contain_text("First say which accounts to use")
    page.get_by_role("link", name="Accounts for the export").first.click()
    settle(page)
    page.get_by_label("Deposit account").fill("1210 Stripe clearing")
    page.get_by_label("Income account for donations").fill("4000 Donations")
    page.get_by_role("button", name="Save the accounts").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text("The accounts are saved.")
    page.goto("/pipeline/giving/accounting")
    settle(page)
    with app.app_context():
        received = db.session.scalar(select(Gift.received_on)).isoformat()  # the day of Stripe's event
    page.get_by_label("From").fill(received)
    page.get_by_label("To").fill(received)
    page.get_by_label("Currency").select_option("GBP")
    page.get_by_label("Accounting package").select_option(label="Xero manual journals")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the journal (CSV)").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert [(r[3], r[5]) for r in rows[1:]] == [("1210 Stripe clearing", "42.00"), ("4000 Donations", "-42.00")]
    page.goto("/pipeline/giving/accounting")
    settle(page)
    expect(page.get_by_role("table", name=re.compile("Recent accounting exports"))).to_contain_text("Xero")
    problems["accounting"] = _blocking(page)
    shot(page, f"integrations-accounting-{mode}")

    page.goto("/account")
    settle(page)
    page.get_by_role("button", name="Make a calendar link").click()
    settle(page)
    url = page.get_by_label("Calendar address").input_value()
    feed_path = re.fullmatch(r"https?://[^/]+(/calendar/[\w-]+\.ics)", url).group(1)  # the configured address
    problems["calendar"] = _blocking(page)
    shot(page, f"integrations-calendar-{mode}")
    with urllib.request.urlopen(live_url + feed_path, timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/calendar")
        assert answer.read().startswith(b"BEGIN:VCALENDAR")
    page.goto("/account")
    settle(page)
    expect(page.get_by_role("main")).to_contain_text("last read by a calendar")
    shot(page, f"integrations-account-{mode}")
    assert {k: v for k, v in problems.items() if v} == {}
