"""Receipts in a real browser, with and without JavaScript: a thank-you
letter downloaded (and then emailed) from the gift page, and a year-end
statement run whose emails arrive at a real SMTP server with the PDF
attached while the rest come as one PDF to print. Axe on the receipts
pages; screenshots of the receipts page and the finished run."""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import describe_violations, run_axe, run_jobs, settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def blocking(violations):
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


def _seed(app) -> dict:
    from app import settings
    from app.extensions import db
    from tests.modules.pipeline.test_receipts_letters import general_fund_id, give, make_donor

    make_user(app)
    with app.app_context():
        settings.put("core", {"org_name": "Riverside Food Bank"})
        settings.put("core", {"postal_address": "12 Mill Lane\nRiverside RV1 2AB"})
        settings.put("pipeline", {"receipts_signature": "Jo Smith, Director",
                                  "receipts_registration": "EIN 12-3456789"})
        ada = make_donor("Ada", "Lovelace", "ada@example.org")
        bob = make_donor("Bob", "Quiet", "bob@example.org", do_not_email=True)
        cy = make_donor("Cy", "Paper", None)
        gifts = [give(ada, "120.00", date(2025, 3, 1), fund_id=general_fund_id(), payment_method="card"),
                 give(ada, "80.00", date(2025, 9, 1), fund_id=general_fund_id()),
                 give(bob, "20.00", date(2025, 4, 1)),
                 give(cy, "30.00", date(2025, 5, 1))]
        db.session.commit()
        return {"gift": gifts[0].id}


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_a_thank_you_from_the_gift_page(app, any_page, smtp, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    ids = _seed(app)
    sign_in(page)
    page.goto(f"/pipeline/gifts/{ids['gift']}")
    actions = page.locator(".receipts-gift-actions")
    with page.expect_download() as info:
        actions.get_by_role("button", name="Download thank-you letter (PDF)").click()
    download = info.value
    assert download.suggested_filename == f"thank-you-{ids['gift']}.pdf"
    text = _pdf_text(open(download.path(), "rb").read())
    assert "Ada Lovelace" in text and "Dear Ada," in text and "$120.00" in text

    page.reload()
    settle(page)
    expect(page.locator("main")).to_contain_text("Thank you by download")
    actions.get_by_role("button", name="Email it").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text("The thank-you letter is emailed to Ada Lovelace (ada@example.org).")
    expect(page.locator("main")).to_contain_text("Thank you by email")
    shot(page, f"receipts-gift-page-{mode}")

    run_jobs(app)
    [message] = smtp.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Thank you for your gift to Riverside Food Bank"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Dear Ada," in _pdf_text(attachment.get_content())


def test_a_year_end_statement_run(app, any_page, smtp, shot):
    page = any_page
    js = page.steward_js
    mode = "js" if js else "nojs"
    _seed(app)
    sign_in(page)
    page.goto("/pipeline/receipts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipts and statements")
    scope = page.locator("#receipts-scope")
    scope.get_by_label("Year-end statement").check()
    if not js:
        scope.get_by_role("button", name="Count the letters").click()
    settle(page)
    scope.get_by_label("Year", exact=True).fill("2025")
    if js:
        scope.get_by_label("Year", exact=True).dispatch_event("change")
    else:
        scope.get_by_role("button", name="Count the letters").click()
    settle(page)
    counts = scope.locator(".receipts-counts")
    expect(counts).to_contain_text("2025 giving statements for donors not yet sent one: 3 letters")
    expect(counts).to_contain_text("1 by email, 2 to print")
    shot(page, f"receipts-page-{mode}")
    # axe needs JavaScript in the page: it runs in the JavaScript pass.
    problems = {"/pipeline/receipts/": blocking(run_axe(page))} if js else {}

    scope.get_by_role("button", name="Make 3 letters").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("2025 giving statements")
    run_jobs(app)
    if not js:
        page.reload()
    status = page.locator("#receipts-job")
    expect(status).to_contain_text("Finished", timeout=15_000)
    expect(status).to_contain_text("1 emailed")
    expect(status).to_contain_text("2 to print")
    shot(page, f"receipts-run-finished-{mode}")
    if js:
        problems["run page"] = blocking(run_axe(page))

    with page.expect_download() as info:
        status.get_by_role("link", name="Download the letters to print (PDF, 2 pages)").click()
    printed = open(info.value.path(), "rb").read()
    reader = PdfReader(io.BytesIO(printed))
    assert len(reader.pages) == 2
    assert "Bob Quiet" in reader.pages[0].extract_text() and "Cy Paper" in reader.pages[1].extract_text()

    [message] = smtp.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Your 2025 giving statement from Riverside Food Bank"
    assert "Your giving in 2025" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "statement-2025-ada-lovelace.pdf"
    text = _pdf_text(attachment.get_content())
    assert "Ada Lovelace" in text and "$200.00" in text and "EIN 12-3456789" in text

    # The run is listed; a second one has nobody left to write to.
    page.goto("/pipeline/receipts/?kind=statement&year=2025&only_new=y&use_email=y")
    expect(page.locator(".receipts-counts")).to_contain_text("No letters match.")
    expect(page.locator("main")).to_contain_text("2025 giving statements for donors not yet sent one: 3 letters")

    if js:  # the template pages once is enough
        page.goto("/pipeline/receipts/templates/")
        settle(page)
        problems["/pipeline/receipts/templates/"] = blocking(run_axe(page))
        page.get_by_role("link", name="Year-end giving statement").click()
        settle(page)
        expect(page.get_by_role("heading", name="Merge fields")).to_be_visible()
        problems["template editor"] = blocking(run_axe(page))
        shot(page, "receipts-template-editor")
        # Preview opens the PDF of the unsaved text in a new tab; the editor stays
        # (the editor's own live preview posts to /templates/preview/page meanwhile).
        page.get_by_label("Email subject").fill("Draft {{ statement.year }}")
        with page.expect_popup() as popup, \
                page.context.expect_event("response", lambda r: "/templates/preview?" in r.url) as preview:
            page.get_by_role("button", name="Preview as PDF").click()
        # (its text is checked in tests/modules/pipeline/test_receipts_templates.py;
        # here the browser shows it in its PDF viewer)
        assert preview.value.status == 200 and preview.value.headers["content-type"] == "application/pdf"
        popup.value.close()
        expect(page.get_by_role("heading", name="Merge fields")).to_be_visible()
        # A misspelt field is refused by the field, and nothing is saved.
        page.get_by_label("Email subject").fill("Draft {{ statement.yaer }}")
        page.get_by_role("button", name="Save the template").click()
        settle(page)
        expect(page.locator(".field:has(#subject) .error")).to_contain_text("Unknown merge field “yaer”")
    report = "\n\n".join(describe_violations(p, v) for p, v in problems.items() if v)
    assert not report, report
