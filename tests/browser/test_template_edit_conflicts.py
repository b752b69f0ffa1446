"""Two people editing the same receipt template in real browsers (issue 15),
with JavaScript on and off: a body both changed comes back as a conflict
showing the other person's body, name and time beside what was typed (still
in the text area), chosen field by field; a subject one changed and a body
the other changed merge without asking. The conflict view is screenshotted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from modules.contacts import models as _contacts  # noqa: F401  (pipeline models name Contact)
from modules.pipeline.models import ReceiptTemplate
from tests.browser.conftest import describe_violations, run_axe, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser

SAM = "sam@example.org"
# Long enough that the other person's body scrolls in its box.
ADA_CLOSING = "".join(f"\n<p>Ada's paragraph {n}: your gift keeps the pantry open on Saturdays.</p>"
                      for n in range(1, 13))
SAM_CLOSING = "\n<p>Sam's closing: thank you for standing with your neighbours.</p>"


@pytest.fixture
def editors(app, any_page, new_page):
    """Ada (the `any_page` mode) and Sam in a second browser context, the
    same JavaScript setting, both signed in and on the default thank-you."""
    make_user(app)
    make_user(app, SAM, "admin", "Sam Lee")
    with app.app_context():
        template = db.session.scalars(db.select(ReceiptTemplate).where(
            ReceiptTemplate.kind == "thank_you", ReceiptTemplate.is_default.is_(True))).one()
        template_id, body = template.id, template.body
    ada, sam = any_page, new_page(js=any_page.steward_js)
    sign_in(ada)
    sign_in(sam, SAM)
    for page in (ada, sam):
        page.goto(f"/pipeline/receipts/templates/{template_id}")
        settle(page)
    return ada, sam, template_id, body


def _stored(app, template_id) -> tuple[str, str, str]:
    with app.app_context():
        t = db.session.get(ReceiptTemplate, template_id)
        return t.name, t.subject, t.body.replace("\r\n", "\n")  # as a browser posts a text area


def _save(page) -> None:
    page.get_by_role("button", name="Save the template").click()
    settle(page)


def test_a_body_both_changed_is_shown_side_by_side_and_chosen_field_by_field(app, editors, shot):
    ada, sam, template_id, body = editors
    mode = "js" if ada.steward_js else "nojs"
    ada.get_by_label("Name", exact=True).fill("Thank you (Ada)")
    ada.get_by_label("Letter", exact=True).fill(body + ADA_CLOSING)
    _save(ada)
    expect(ada.locator(".flash").first).to_contain_text("is saved")

    sam.get_by_label("Name", exact=True).fill("Thank you (Sam)")
    sam.get_by_label("Letter", exact=True).fill(body + SAM_CLOSING)
    _save(sam)

    expect(sam.get_by_role("alert").first).to_contain_text("Someone else saved this while you were editing")
    body_conflict = sam.locator("#body-conflict")
    expect(body_conflict.locator("legend")).to_contain_text("Ada Admin changed this at")
    theirs = body_conflict.get_by_role("region", name="What Ada Admin saved in Letter")
    expect(theirs).to_contain_text("Ada's paragraph 12")
    # Nothing typed is lost: the text area and the name still hold Sam's.
    assert sam.get_by_label("Letter", exact=True).input_value().replace("\r\n", "\n") == body + SAM_CLOSING
    expect(sam.get_by_label("Name", exact=True)).to_have_value("Thank you (Sam)")
    expect(sam.locator("#name-conflict .edit-theirs")).to_have_text("Thank you (Ada)")
    # Their long body scrolls in its box, and a keyboard reaches it straight after the text area.
    assert theirs.evaluate("box => box.scrollHeight > box.clientHeight")
    sam.get_by_label("Letter", exact=True).focus()
    sam.keyboard.press("Tab")
    expect(theirs).to_be_focused()
    theirs.scroll_into_view_if_needed()
    shot(sam, f"template-edit-conflict-{mode}")
    if sam.steward_js:  # axe is a script
        blocking = [v for v in run_axe(sam) if v["impact"] in ("serious", "critical")]
        assert not blocking, describe_violations(sam.url, blocking)
    assert _stored(app, template_id) == ("Thank you (Ada)", _stored(app, template_id)[1], body + ADA_CLOSING)

    sam.locator("#name-conflict").get_by_label("Use theirs").check()
    body_conflict.get_by_label("Keep what I typed").check()
    _save(sam)

    expect(sam.get_by_role("heading", level=1)).to_have_text("Edit the template Thank you (Ada)")
    name, _, stored_body = _stored(app, template_id)
    assert (name, stored_body) == ("Thank you (Ada)", body + SAM_CLOSING)


def test_a_subject_and_a_body_changed_by_different_people_merge_without_asking(app, editors):
    ada, sam, template_id, body = editors
    ada.get_by_label("Email subject").fill("With thanks from {{ org.name }}")
    _save(ada)
    sam.get_by_label("Letter", exact=True).fill(body + SAM_CLOSING)
    _save(sam)

    expect(sam.get_by_text("Someone else's changes to Email subject were kept.")).to_be_visible()
    expect(sam.get_by_label("Email subject")).to_have_value("With thanks from {{ org.name }}")
    _, subject, stored_body = _stored(app, template_id)
    assert (subject, stored_body) == ("With thanks from {{ org.name }}", body + SAM_CLOSING)
