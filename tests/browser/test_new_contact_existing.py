"""Creating a contact who is already there, in a browser with JavaScript on
(boosted forms) and off: the warning, Enter, "Open <name>" and "Create
anyway" (issue 16, part 2). Screenshots of the warning at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

LONG = "Bartholomew" + "x" * 69  # 80 characters without a space


def _existing(app) -> dict[str, int]:
    from app.extensions import db
    from modules.contacts.people import records
    from modules.contacts.people.records import Details

    with app.app_context():
        out = {}
        for first, last, email in (("Ann", "Smith", "ann@example.org"), (LONG, LONG, f"{LONG}@example.org")):
            contact = records.create("person", {"first_name": first, "last_name": last}, Details(
                emails=[{"email": email, "label": "", "is_primary": True}],
                addresses=[{"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB",
                            "label": "", "is_primary": True}]))
            db.session.flush()
            out[first] = contact.id
        db.session.commit()
        db.session.remove()
        return out


def _names(app) -> list[str]:
    from app.extensions import db
    from modules.contacts.models import Contact

    with app.app_context():
        names = list(db.session.scalars(db.select(Contact.display_name).order_by(Contact.id)))
        db.session.remove()
        return names


def _fill_and_create(page) -> None:
    page.goto("/contacts/new?kind=person")
    page.get_by_label("First name").fill("Ann")
    page.get_by_label("Last name").fill("Smyth")
    page.locator("#emails-0-email").fill("ANN@example.org")
    page.get_by_label("Notes").fill("Met at the spring fair")
    page.get_by_role("button", name="Create the person").click()
    settle(page)


def _warned(page) -> None:
    warning = page.get_by_role("alert").filter(has_text="This may be someone you already have")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Ann Smith: same email ann@example.org.")
    expect(page.get_by_label("First name")).to_have_value("Ann")
    expect(page.get_by_label("Last name")).to_have_value("Smyth")
    expect(page.locator("#emails-0-email")).to_have_value("ANN@example.org")
    expect(page.get_by_label("Notes")).to_have_value("Met at the spring fair")


def test_the_warning_then_create_anyway(app, any_page, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    _existing(app)
    sign_in(page)
    _fill_and_create(page)
    _warned(page)
    assert _names(app) == ["Ann Smith", f"{LONG} {LONG}"]
    shot(page, f"new-contact-existing-{mode}-1280")

    # Enter in a field saves plainly, which checks again: the warning stays, nothing is created.
    page.get_by_label("Last name").press("Enter")
    settle(page)
    _warned(page)
    assert len(_names(app)) == 2

    page.get_by_role("button", name="Create anyway").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ann Smyth")
    assert _names(app) == ["Ann Smith", f"{LONG} {LONG}", "Ann Smyth"]


def test_open_the_existing_contact_instead(app, any_page):
    page = any_page
    make_user(app)
    ids = _existing(app)
    sign_in(page)
    _fill_and_create(page)
    _warned(page)
    page.get_by_role("link", name="Open Ann Smith").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ann Smith")
    assert page.url.endswith(f"/contacts/{ids['Ann']}")
    assert len(_names(app)) == 2


def test_the_warning_fits_a_phone(app, new_page, shot):
    """Two matches, one with an 80-character name, at 390 px: readable, no page-wide scroll."""
    page = new_page(js=True, viewport=PHONE)
    make_user(app)
    _existing(app)
    sign_in(page)
    page.goto("/contacts/new?kind=person")
    page.get_by_label("First name").fill(LONG)
    page.get_by_label("Last name").fill(LONG)
    page.locator("#emails-0-email").fill("ann@example.org")
    page.locator("#addresses-0-postcode").fill("ls1 1aa")
    page.get_by_role("button", name="Create the person").click()
    settle(page)
    warning = page.get_by_role("alert").filter(has_text="This may be one of 2 contacts you already have")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"{LONG} {LONG}: same name at postcode LS1 1AA.")
    expect(page.get_by_role("button", name="Create anyway")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "new-contact-existing-390")
    assert len(_names(app)) == 2
