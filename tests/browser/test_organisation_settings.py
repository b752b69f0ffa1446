"""Admin → Organisation in the browser, JavaScript on and off: the country's
defaults fill the form without saving, a logo and an address are saved, and
a refused SVG says why next to the field."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from app import settings
from tests.browser.conftest import settle, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_country_defaults_logo_and_address(app, any_page, shot, tmp_path):
    make_user(app)
    page = any_page
    mode = "js" if page.steward_js else "nojs"
    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), (31, 95, 139)).save(logo, "PNG")
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    sign_in(page)
    page.goto("/admin/settings")

    page.get_by_label("Country").select_option(label="New Zealand")
    page.get_by_role("button", name="Use the defaults for this country").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text("These are the usual settings for New Zealand.")
    expect(page.get_by_label("Timezone")).to_have_value("Pacific/Auckland")
    expect(page.get_by_label("Currency")).to_have_value("NZD")
    expect(page.get_by_label("Fiscal year starts in")).to_have_value("4")
    with app.app_context():
        assert settings.get("core", "timezone") == "UTC"  # filled, not saved

    page.get_by_label("Logo").set_input_files(str(svg))
    page.get_by_role("button", name="Save the settings").click()
    settle(page)
    expect(page.locator("#logo-error")).to_contain_text("SVG logos are not accepted")
    expect(page.get_by_label("Timezone")).to_have_value("Pacific/Auckland")  # what was chosen is still there

    page.get_by_label("Organisation name").fill("Kia Ora Trust")
    page.get_by_label("Postal address").fill("1 Queen Street\nAuckland 1010")
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_role("button", name="Save the settings").click()
    settle(page)
    expect(page.locator(".flash")).to_contain_text("The organisation settings are saved.")
    expect(page.get_by_alt_text("The current logo of Kia Ora Trust")).to_be_visible()
    # decode() waits for the image to arrive (a loaded machine may not have it yet); 0 if it cannot be read.
    width = page.get_by_alt_text("The current logo of Kia Ora Trust").evaluate(
        "img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert width == 240
    expect(page.get_by_label("Postal address")).to_have_value("1 Queen Street\nAuckland 1010")
    shot(page, f"organisation-settings-{mode}")
    with app.app_context():
        assert (settings.get("core", "timezone"), settings.get("core", "currency"),
                settings.get("pipeline", "fiscal_year_start_month"), settings.get("core", "country")) == (
            "Pacific/Auckland", "NZD", 4, "NZ")
        assert settings.get("core", "logo").startswith("logo-")
