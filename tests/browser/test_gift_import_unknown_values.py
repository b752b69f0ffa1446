"""Gift import on a fresh database in a real browser, with and without
JavaScript: four donors, then the 104-row file whose funds ("General",
"Building") and appeal do not exist yet. The preview lists them with their
rows; importing with one still unchosen is refused with a message next to
it and keeps the other choices; then every row is imported, each fund made
once, and undo removes them again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline.models import Appeal, Fund, Gift
from tests.browser.conftest import run_jobs, settle, sign_in
from tests.conftest import make_user
from tests.modules.pipeline.test_gift_import_unknown_values import DONORS, FILE

pytestmark = pytest.mark.browser


def _donors(app) -> None:
    with app.app_context():
        for email, first, last in DONORS:
            records.create("person", {"first_name": first, "last_name": last}, records.Details(
                emails=[{"email": email, "label": "", "is_primary": True}]))
        db.session.commit()


def _row(page, value: str):
    return page.locator("section.imp-unknown tbody tr").filter(has=page.get_by_role("rowheader", name=value))


def test_unknown_funds_are_created_once_through_the_upload_page(app, any_page, live_url, shot):
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    make_user(app)
    _donors(app)
    sign_in(page)
    page.goto("/pipeline/gifts/imports/")
    settle(page)
    page.get_by_label("CSV file or Excel workbook (.xlsx)").set_input_files(str(FILE))
    page.get_by_role("button", name="Upload and continue").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import gifts: map columns")
    page.get_by_role("button", name="Preview").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import gifts: preview")

    table = page.locator("section.imp-unknown tbody tr")
    expect(table).to_have_count(3)
    for value, kind, rows in (("Building", "Fund", "52"), ("General", "Fund", "52"),
                              ("Year end 2026", "Appeal", "104")):
        expect(_row(page, value).locator("td").nth(0)).to_have_text(kind)  # the value is the row's header
        expect(_row(page, value).locator("td").nth(1)).to_have_text(rows)
    general = page.get_by_label("General", exact=True)
    expect(general.locator("option").nth(2)).to_have_text("Use “General fund” (near match)")
    expect(page.locator("main [role=status]").filter(has_text="ready")).to_contain_text("0 ready")

    # Two of three chosen, then Import: refused, the choices kept, a message by the missing one.
    general.select_option(label="Create “General” as a new fund")
    page.get_by_label("Year end 2026", exact=True).select_option(label="Create “Year end 2026” as a new appeal")
    page.get_by_role("button", name=re.compile("^Import")).click()
    settle(page)
    building = page.get_by_label("Building", exact=True)
    expect(building).to_have_attribute("aria-invalid", "true")
    expect(_row(page, "Building").locator("p.error")).to_have_text(
        "Choose whether to create “Building” or use an existing fund.")
    expect(page.locator("p.error")).to_have_count(1)
    expect(page.get_by_label("General", exact=True)).to_have_value("create")
    expect(page.get_by_label("Year end 2026", exact=True)).to_have_value("create")
    expect(page.locator("main [role=status]").filter(has_text="ready")).to_contain_text("52 ready")
    shot(page, f"gift-import-unknown-values-refused-{mode}")

    building.select_option(label="Create “Building” as a new fund")
    page.get_by_role("button", name="Check the rows again").click()
    settle(page)
    expect(page.locator("main [role=status]").filter(has_text="ready")).to_contain_text("104 ready")
    expect(page.locator("p.error")).to_have_count(0)
    shot(page, f"gift-import-unknown-values-{mode}")
    page.get_by_role("button", name=re.compile("^Import")).click()
    settle(page)
    run_jobs(app)
    page.reload()
    settle(page)
    expect(page.get_by_role("main")).to_contain_text("104 gifts imported")

    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.id))) == 104
        assert sorted(db.session.scalars(select(Fund.name))) == ["Building", "General", "General fund"]
        assert list(db.session.scalars(select(Appeal.name))) == ["Year end 2026"]

    page.get_by_role("link", name="Undo this import").click()
    settle(page)
    page.get_by_role("button", name="Undo import").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text(
        "Removed the fund “General”, fund “Building”, appeal “Year end 2026” it created.")
    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.id))) == 0
        assert list(db.session.scalars(select(Fund.name))) == ["General fund"]
        assert db.session.scalar(select(func.count(Appeal.id))) == 0
