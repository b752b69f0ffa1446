"""Contact import meets unknown tags and custom-field choices in a real
browser, with and without JavaScript: the preview lists them, going on with
one unchosen is refused beside it (the other choices kept), then the run
reads each as chosen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.models import ContactTag, CustomField, CustomValue, Tag
from tests.browser.conftest import run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.modules.contacts.test_import_unknown_values import FILE

pytestmark = pytest.mark.browser


def test_unknown_tags_and_choices_through_the_import_pages(app, any_page, tmp_path, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    with app.app_context():
        db.session.add_all([Tag(name="Donors", colour="green"),
                            CustomField(key="membership", label="Membership", type="choice", kinds=["person"],
                                        choices=["Gold", "Silver"], position=1, active=True),
                            CustomField(key="interests", label="Interests", type="multi_choice", kinds=["person"],
                                        choices=["Music", "Sport"], position=2, active=True)])
        db.session.commit()
    path = tmp_path / "people.csv"
    path.write_bytes(FILE)
    sign_in(page)
    page.goto("/contacts/import/")
    settle(page)
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()
    settle(page)
    page.get_by_role("button", name="Continue to the preview").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview")
    unknown = page.locator("section.imp-unknown tbody tr")
    expect(unknown).to_have_count(5)
    expect(unknown.filter(has=page.get_by_role("rowheader", name="Volunteers"))).to_contain_text("Tag")
    expect(page.get_by_label("donor", exact=True).locator("option").nth(2)).to_have_text("Use “Donors” (near match)")

    page.get_by_label("donor", exact=True).select_option(label="Use “Donors” (near match)")
    page.get_by_label("Volunteers", exact=True).select_option(label="Create “Volunteers” as a new tag")
    page.get_by_label("Platinum", exact=True).select_option(label="Create “Platinum” as a new choice of “Membership”")
    page.get_by_label("Silverr", exact=True).select_option(label="Use “Silver” (near match)")
    page.get_by_role("button", name="Continue to match rules").click()
    settle(page)
    expect(page.locator("section.imp-unknown p.error")).to_have_count(1)
    expect(page.locator("section.imp-unknown p.error")).to_have_text(
        "Choose whether to create “Art” or use an existing choice of “Interests”.")
    expect(page.get_by_label("Silverr", exact=True)).to_have_value("use:Silver")
    shot(page, f"contact-import-unknown-values-refused-{mode}")
    page.get_by_label("Art", exact=True).select_option(label="Create “Art” as a new choice of “Interests”")
    page.get_by_role("button", name="Continue to match rules").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Match rules")
    page.get_by_role("button", name="Start the import").click()
    settle(page)
    run_jobs(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContactTag)) == 6
        assert sorted(db.session.scalars(select(Tag.name))) == ["Donors", "Volunteers"]
        field = db.session.scalar(select(CustomField).where(CustomField.key == "membership"))
        assert field.choices == ["Gold", "Silver", "Platinum"]
        assert sorted(db.session.scalars(select(CustomValue.value_text).where(CustomValue.field_id == field.id))) \
            == ["Gold", "Platinum", "Platinum", "Silver"]
