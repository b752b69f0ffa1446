"""Two people edit the same gift in two browsers (issue 15, part 1), with
JavaScript (boosted form) and without. Ada saves a new amount; Sam, on the
form as it was, changes the amount too: he sees Ada's name and amount next
to what he typed, chooses, and saves; the database holds what he chose.
Changes to different fields (Ada the reference, Sam the notes) both stay."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Gift
from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def two_pages(request, app, new_page):
    """Ada Admin and Sam Lee, each signed in in their own browser context."""
    make_user(app)
    make_user(app, email="sam@example.org", name="Sam Lee", role_key="admin")
    ada, sam = new_page(js=request.param), new_page(js=request.param)
    sign_in(ada)
    sign_in(sam, "sam@example.org")
    return ada, sam


def _gift(app) -> int:
    with app.app_context():
        donor = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        gift = gifts.record_gift(contact_id=donor.id, amount=Decimal("1250.50"), received_on=date(2026, 3, 2),
                                 reference="CHQ 1044")
        db.session.commit()
        return gift.id


def _stored(app, gift_id: int) -> tuple:
    with app.app_context():
        gift = db.session.get(Gift, gift_id)
        out = (gift.amount, gift.reference, gift.notes)
        db.session.remove()
        return out


def _open(page, gift_id: int) -> None:
    """From the gift's page, through its Edit link."""
    page.goto(f"/pipeline/gifts/{gift_id}")
    settle(page)
    page.get_by_role("link", name=re.compile("^Edit")).first.click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit gift")


def _save(page) -> None:
    with page.expect_response(lambda r: r.request.method == "POST" and "/edit" in r.url):
        page.get_by_role("button", name="Save gift", exact=True).last.click()
    settle(page)


@pytest.mark.parametrize("choice", ["Use theirs", "Keep what I typed"])
def test_a_stale_amount_shows_the_conflict_and_saves_the_choice(app, two_pages, choice, shot):
    ada, sam = two_pages
    gift_id = _gift(app)
    _open(ada, gift_id)
    _open(sam, gift_id)

    ada.get_by_label("Amount", exact=True).fill("1,300")
    _save(ada)
    expect(ada.locator(".flash")).to_have_text("Saved the gift.")

    sam.get_by_label("Amount", exact=True).fill("1,275.00")
    sam.get_by_label("Notes").fill("Pledge payment, see letter")
    _save(sam)

    alert = sam.locator(".edit-conflicts")
    expect(alert).to_contain_text("Someone else saved this while you were editing.")
    clash = sam.locator("#amount-conflict")
    expect(clash).to_contain_text(re.compile(r"Ada Admin changed this at .+ to:"))
    expect(clash.locator(".edit-theirs")).to_have_text("1,300.00")
    expect(sam.get_by_label("Amount", exact=True)).to_have_value("1,275.00")  # what Sam typed, still there
    expect(sam.get_by_label("Notes")).to_have_value("Pledge payment, see letter")
    assert _stored(app, gift_id) == (Decimal("1300.00"), "CHQ 1044", "")
    if choice == "Use theirs":
        shot(sam, f"gift-edit-conflict-{'js' if sam.steward_js else 'nojs'}")

    clash.get_by_label(choice).check()
    _save(sam)

    expect(sam).to_have_url(re.compile(rf"/pipeline/gifts/{gift_id}$"))
    expect(sam.locator(".flash")).to_have_text("Saved the gift.")
    amount = Decimal("1300.00") if choice == "Use theirs" else Decimal("1275.00")
    assert _stored(app, gift_id) == (amount, "CHQ 1044", "Pledge payment, see letter")


def test_changes_to_different_fields_merge_without_asking(app, two_pages):
    ada, sam = two_pages
    gift_id = _gift(app)
    _open(ada, gift_id)
    _open(sam, gift_id)

    ada.get_by_label("Reference").fill("CHQ 1045")
    _save(ada)
    sam.get_by_label("Notes").fill("Thank-you call made")
    _save(sam)

    expect(sam).to_have_url(re.compile(rf"/pipeline/gifts/{gift_id}$"))
    expect(sam.locator(".flash")).to_have_text("Saved the gift. Someone else's changes to Reference were kept.")
    expect(sam.get_by_role("main")).to_contain_text("CHQ 1045")
    assert _stored(app, gift_id) == (Decimal("1250.50"), "CHQ 1045", "Thank-you call made")
