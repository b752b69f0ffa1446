"""The core template editor on a receipt template, in a real browser with
JavaScript on and off (issue 16, part 4): writing a letter in Markdown,
picking a merge field (inserted at the cursor with JavaScript; a list to
copy from without), the preview filled in with sample values (live with
JavaScript, the Preview button without), and saving. Screenshots of the
editor at 1280 and 390 px, where it must fit; axe at both with JavaScript on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from modules.contacts import models as _contacts  # noqa: F401  (pipeline models name Contact)
from modules.pipeline.models import ReceiptTemplate
from tests.browser.conftest import DESKTOP, PHONE, describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

LETTER = "Dear friend,\n\nThank you for your gift of **£5**.\n\nWith thanks,\nThe team"


def _default_thank_you(app) -> tuple[int, str, str]:
    with app.app_context():
        t = db.session.scalars(db.select(ReceiptTemplate).where(
            ReceiptTemplate.kind == "thank_you", ReceiptTemplate.is_default.is_(True))).one()
        return t.id, t.format, t.body


def _stored(app, template_id) -> tuple[str, str]:
    with app.app_context():
        t = db.session.get(ReceiptTemplate, template_id)
        return t.format, t.body.replace("\r\n", "\n")


def test_write_pick_a_field_preview_and_save(app, any_page, shot):
    page = any_page
    js = page.steward_js
    mode = "js" if js else "nojs"
    make_user(app)
    template_id, fmt, _ = _default_thank_you(app)
    assert fmt == "markdown"  # the shipped letter, unchanged, is Markdown now (pipeline_0011)
    sign_in(page)
    page.goto(f"/pipeline/receipts/templates/{template_id}")
    settle(page)

    expect(page.get_by_role("radio", name="Markdown")).to_be_checked()
    picker = page.get_by_role("region", name="Merge fields")
    expect(picker.locator("code", has_text="{{ gift.amount }}")).to_be_visible()
    expect(picker).to_contain_text("Amount with its currency symbol")
    letter = page.get_by_label("Letter", exact=True)
    letter.fill(LETTER)

    if js:
        # The preview follows the typing; no Preview button is needed.
        expect(page.get_by_role("button", name="Preview", exact=True)).to_be_hidden()
        preview = page.locator(".template-preview-page")
        expect(preview.locator("strong")).to_have_text("£5")
        # The cursor after "of ", the field's Insert button: the field goes there.
        letter.evaluate("(area) => { const at = area.value.indexOf('**£5**'); area.setSelectionRange(at, at + 6); }")
        picker.get_by_role("button", name="Insert {{ gift.amount }}").click()
        expect(letter).to_be_focused()
        page.keyboard.type(" (thank you!)")
        # By keyboard: "friend" selected, the Insert button of donor.salutation focused and pressed.
        letter.evaluate("(area) => { const at = area.value.indexOf('friend'); area.setSelectionRange(at, at + 6); }")
        picker.get_by_role("button", name="Insert {{ donor.salutation }}").focus()
        page.keyboard.press("Enter")
        expect(letter).to_be_focused()
        expected = (LETTER.replace("**£5**", "{{ gift.amount }} (thank you!)")
                    .replace("friend", "{{ donor.salutation }}"))
        assert letter.input_value() == expected
        expect(page.locator("#body-inserted")).to_have_text("Inserted {{ donor.salutation }}.")
        # The preview shows the sample amount where the field went, as Markdown made HTML.
        expect(preview).to_contain_text("Thank you for your gift of $250.00 (thank you!).")
        expect(preview.locator("p").last).to_contain_text("With thanks")
        assert preview.locator("br").count() == 1  # a line break in Markdown is a line break
    else:
        # No script: the fields are a list to copy from, and no Insert buttons show.
        expect(picker.get_by_role("button")).to_have_count(0)
        expected = LETTER.replace("**£5**", "**{{ gift.amount }}**")
        letter.fill(expected)
        page.get_by_role("button", name="Preview", exact=True).click()
        settle(page)
        preview = page.locator(".template-preview-page")
        expect(preview.locator("strong")).to_have_text("$250.00")
        expect(page.locator(".template-preview-note")).to_contain_text("With made-up sample values.")
        # What was typed is still in the form.
        assert page.get_by_label("Letter", exact=True).input_value().replace("\r\n", "\n") == expected
    expect(preview.locator("p").first).to_have_text("Dear Grace," if js else "Dear friend,")
    assert "**" not in preview.inner_text()

    for name, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        shot(page, f"template-editor-{mode}-{name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"the page is {width} px wide at {size['width']} px"
        if js:  # axe is a script
            found = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
            assert not found, describe_violations(page.url, found)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Save the template").click()
    settle(page)
    expect(page.locator(".flash").first).to_contain_text("is saved")
    assert _stored(app, template_id) == ("markdown", expected)


def test_a_problem_shows_in_the_preview_and_an_html_template_stays_html(app, any_page):
    page = any_page
    make_user(app)
    template_id, _, _ = _default_thank_you(app)
    sign_in(page)
    page.goto(f"/pipeline/receipts/templates/{template_id}")
    settle(page)
    page.get_by_role("radio", name="HTML").check()
    page.get_by_label("Letter", exact=True).fill("<p>Dear {{ donor.frist_name }}</p>")
    if not page.steward_js:
        page.get_by_role("button", name="Preview", exact=True).click()
        settle(page)
    expect(page.locator(".template-preview-problem")).to_have_text(
        "The preview cannot be shown: Unknown merge field “frist_name”: check its spelling against the list of fields.")
    page.get_by_label("Letter", exact=True).fill("<p>Dear <em>{{ donor.first_name }}</em></p>\n\n**not bold**")
    if not page.steward_js:
        page.get_by_role("button", name="Preview", exact=True).click()
        settle(page)
    preview = page.locator(".template-preview-page")
    expect(preview.locator("em")).to_have_text("Grace")
    expect(preview).to_contain_text("**not bold**")  # HTML: asterisks are asterisks
    page.get_by_role("button", name="Save the template").click()
    settle(page)
    expect(page.locator(".flash").first).to_contain_text("is saved")
    expect(page.get_by_role("radio", name="HTML")).to_be_checked()
    assert _stored(app, template_id) == ("html", "<p>Dear <em>{{ donor.first_name }}</em></p>\n\n**not bold**")
