"""Two people edit the same contact's names in two browsers (issue 15, part 1),
with JavaScript (the identity section's inline HTMX editor) and without it
(the whole-page edit form). The exact scenario of the issue: the first
changes the preferred name and saves, the second, on the form as it was,
changes the middle name and saves: both changes are kept. Then both change
the preferred name: the second sees who saved what and when, next to what
they typed, and keeps theirs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from modules.contacts.models import Contact
from modules.contacts.people import records
from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _grace(app) -> int:
    with app.app_context():
        contact = records.create("person", {"first_name": "Grace", "last_name": "Hopper"}, None)
        db.session.commit()
        return contact.id


def _stored(app, contact_id: int) -> tuple[str, str]:
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        return contact.preferred_name, contact.middle_name


def _open_names(page, url: str):
    """Open the identity section's editor on the contact page: inline with
    JavaScript, the whole-page form without. Returns the form."""
    page.goto(url)
    settle(page)
    page.get_by_role("region", name="Identity").get_by_role("link", name="Edit identity").click()
    settle(page)
    if page.steward_js:
        expect(page).to_have_url(re.compile(rf"{url}$"))  # still the contact page
        form = page.locator("#contact-identity form")
    else:
        expect(page).to_have_url(re.compile(rf"{url}/edit"))
        form = page.locator(f"form[action='{url}/edit']")
    expect(form.get_by_label("Preferred name")).to_be_visible()
    return form


def _save(page, form) -> None:
    with page.expect_response(lambda r: r.request.method == "POST" and "/edit" in r.url):
        form.get_by_role("button", name=re.compile("^Save")).click()
    settle(page)


def test_two_people_editing_one_contacts_names(app, any_page, new_page, shot):
    mode = "js" if any_page.steward_js else "nojs"
    make_user(app)
    make_user(app, email="sam@example.org", name="Sam Lee")
    contact_id = _grace(app)
    url = f"/contacts/{contact_id}"
    ada, sam = any_page, new_page(js=any_page.steward_js)
    sign_in(ada)
    sign_in(sam, "sam@example.org")

    # --- Different fields: both changes are kept -------------------------------------
    ada_form, sam_form = _open_names(ada, url), _open_names(sam, url)
    ada_form.get_by_label("Preferred name").fill("Amazing Grace")
    _save(ada, ada_form)
    expect(ada.get_by_role("region", name="Identity")).to_contain_text("Amazing Grace")
    assert _stored(app, contact_id) == ("Amazing Grace", "")

    sam_form.get_by_label("Middle name").fill("Brewster")
    _save(sam, sam_form)
    identity = sam.get_by_role("region", name="Identity")
    expect(identity).to_contain_text("Grace Brewster Hopper")
    expect(identity).to_contain_text("Amazing Grace")  # Ada's change, not undone
    if mode == "nojs":
        expect(sam.locator(".flash")).to_contain_text("Someone else's changes to Preferred name were kept.")
    assert _stored(app, contact_id) == ("Amazing Grace", "Brewster")

    # --- The same field: a conflict, then "Keep what I typed" ------------------------
    ada_form, sam_form = _open_names(ada, url), _open_names(sam, url)
    ada_form.get_by_label("Preferred name").fill("Grace B.")
    _save(ada, ada_form)
    assert _stored(app, contact_id) == ("Grace B.", "Brewster")

    sam_form.get_by_label("Preferred name").fill("Admiral")
    _save(sam, sam_form)
    if mode == "js":
        expect(sam).to_have_url(re.compile(rf"{url}$"))  # the conflict shows inside the contact page
        sam_form = sam.locator("#contact-identity form")
    alert = sam_form.get_by_role("alert")
    expect(alert).to_contain_text("Someone else saved this while you were editing.")
    expect(alert).to_contain_text("Nothing you typed is lost.")
    clash = sam_form.locator(".edit-conflict")
    expect(clash).to_have_count(1)
    expect(clash.locator("legend")).to_have_text(re.compile(r"^Ada Admin changed this at .+ to:$"))
    expect(clash.locator("legend time")).to_have_count(1)
    expect(clash.locator(".edit-theirs")).to_have_text("Grace B.")
    expect(sam_form.get_by_label("Preferred name")).to_have_value("Admiral")
    expect(sam_form.get_by_label("Middle name")).to_have_value("Brewster")
    assert _stored(app, contact_id) == ("Grace B.", "Brewster")  # nothing saved yet
    clash.scroll_into_view_if_needed()
    shot(sam, f"contact-edit-conflict-{mode}")

    clash.get_by_label("Keep what I typed").check()
    _save(sam, sam_form)
    expect(sam.get_by_role("region", name="Identity")).to_contain_text("Admiral")
    assert _stored(app, contact_id) == ("Admiral", "Brewster")
