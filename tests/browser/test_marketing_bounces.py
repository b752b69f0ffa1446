"""A bounce seen in a real browser, with and without JavaScript: a Postfix
DSN taken into the bounce mailbox through the core intake suppresses the
address; the suppression list shows it with its reason and date and links
its contact, whose timeline says it bounced; the recent bounces page and
the settings page read well at desktop and phone widths and pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.intake import take
from app.models import Mailbox
from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user
from tests.modules.marketing.bounce_helpers import campaign, report
from tests.modules.marketing.helpers import make_person

pytestmark = pytest.mark.browser


def _both(page, shot, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        shot(page, f"marketing-{name}-{label}")
    page.set_viewport_size(DESKTOP)


def _blocking(page) -> list[dict]:
    if not page.steward_js:
        return []
    return [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]


def test_a_bounced_address_on_the_suppression_list(app, any_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    person = make_person(app, "Olive", "Member", "old.member@school.example.net")
    make_person(app, "Ann", "Able", "ann@example.org")
    with app.app_context():
        rows = campaign("Spring appeal", {"old.member@school.example.net": person})
        box = Mailbox(name="Bounces", kind="marketing.bounces", host="", port=993, security="ssl", username="",
                      password="", folder="INBOX", after="seen", move_to="", last_uid=0)
        db.session.add(box)
        db.session.commit()
        inbound = take(box, report("postfix_hard", recipient_id=rows["old.member@school.example.net"].id))
        assert inbound.outcome == ("hard bounce for old.member@school.example.net: suppressed, noted on 1 contact, "
                                   "campaign “Spring appeal”")
    sign_in(page)
    page.goto("/marketing/suppressions")
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Suppression list")
    search = page.get_by_label("Address starts with")
    search.fill("old.")
    if not page.steward_js:
        page.get_by_role("button", name="Search").click()
    settle(page)
    rows_shown = page.locator("#suppression-results tbody tr")
    expect(rows_shown).to_have_count(1)
    row = rows_shown.first
    cells = row.get_by_role("cell")
    expect(cells.nth(0)).to_have_text(re.compile(r"^\s*old\.member@school\.example\.net\s*Olive Member\s*$"))
    expect(cells.nth(1)).to_have_text("Hard bounce")
    expect(cells.nth(2)).to_contain_text("5.1.1 <old.member@school.example.net>: Recipient address rejected")
    expect(cells.nth(3)).to_have_text(re.compile(r"\d{2} \w{3} \d{4}"))  # the date it was suppressed
    problems = {"/marketing/suppressions": _blocking(page)}
    _both(page, shot, f"suppressions-bounced-{mode}")

    row.get_by_role("link", name="Olive Member").click()
    settle(page)
    expect(page).to_have_url(re.compile(rf"/contacts/{person}$"))
    expect(page.get_by_role("main")).to_contain_text(
        "old.member@school.example.net is on the suppression list (hard bounce): campaigns never mail it.")
    page.goto(f"/contacts/{person}/timeline")  # with scripts the contact page loads it in place
    settle(page)
    expect(page.get_by_role("main")).to_contain_text("Email to old.member@school.example.net bounced (hard bounce)")

    page.goto("/marketing/bounces")
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bounces and complaints")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Hard bounce")
    expect(table).to_contain_text("Spring appeal")
    expect(table).to_contain_text("Bounce mailbox")
    problems["/marketing/bounces"] = _blocking(page)
    _both(page, shot, f"bounces-{mode}")

    page.get_by_role("link", name="Settings").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bounce and complaint settings")
    page.get_by_label("Soft bounces before an address is suppressed").fill("0")
    page.get_by_role("button", name="Save the bounce settings").click()
    settle(page)
    expect(page.get_by_text("Give a number from 1 to 50.")).to_be_visible()
    page.get_by_label("Soft bounces before an address is suppressed").fill("4")
    page.get_by_role("button", name="Save the bounce settings").click()
    settle(page)
    expect(page.locator(".flash")).to_have_text("The bounce settings are saved.")
    expect(page.get_by_label("Soft bounces before an address is suppressed")).to_have_value("4")
    problems["/marketing/bounces/settings"] = _blocking(page)
    _both(page, shot, f"bounce-settings-{mode}")
    failing = {url: v for url, v in problems.items() if v}
    assert not failing, "\n".join(describe_violations(url, v) for url, v in failing.items())
