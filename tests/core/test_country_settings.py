"""Setting up for a country in one step: setup and Admin → Organisation
propose every regional setting from the country, each can be changed, and
each is stored where it already lived (core, contacts, pipeline)."""

from __future__ import annotations

import re

from app import countries, settings
from app.extensions import db
from app.models import AuditEntry, User
from tests.conftest import PASSWORD, login, post_form

SETUP = {"org_name": "Liffey Food Bank", "name": "Gráinne Ní Bhriain", "email": "grainne@example.ie",
         "password": PASSWORD, "confirm": PASSWORD}


def stored(app) -> dict:
    with app.test_request_context():
        return {"core": dict(settings.get_all("core")), "contacts": dict(settings.get_all("contacts")),
                "pipeline": dict(settings.get_all("pipeline"))}


def selected(html: str, name: str) -> str:
    body = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)[1]
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
    return next(g for g in chosen.groups() if g is not None) if chosen else ""


def test_the_proposals_of_some_countries():
    ie, gb, us, au = (countries.proposal(c) for c in ("IE", "gb", "US", "AU"))
    assert ie == {"country": "IE", "timezone": "Europe/Dublin", "currency": "EUR", "locale": "en-IE",
                  "phone_region": "IE", "paper": "A4", "fiscal_year_start_month": 1, "receipt_wording": "standard"}
    assert (gb["currency"], gb["fiscal_year_start_month"], gb["receipt_wording"], gb["locale"]) == (
        "GBP", 4, "gb", "en-GB")
    assert (us["paper"], us["receipt_wording"], us["timezone"]) == ("Letter", "us", "America/New_York")
    assert (au["fiscal_year_start_month"], au["currency"], au["timezone"]) == (7, "AUD", "Australia/Sydney")
    assert countries.proposal("ZZ") == {} and countries.proposal("") == {}
    assert countries.name("IE") == "Ireland" and countries.calling_code("IE") == 353


def test_setup_with_a_country_stores_everything_that_follows_from_it(app, client):
    response = post_form(client, "/setup", {**SETUP, "country": "IE"})
    assert response.status_code == 303
    now = stored(app)
    assert {k: now["core"][k] for k in ("org_name", "country", "timezone", "currency", "locale")} == {
        "org_name": "Liffey Food Bank", "country": "IE", "timezone": "Europe/Dublin", "currency": "EUR",
        "locale": "en-IE"}
    assert now["contacts"]["default_country"] == "IE"
    assert (now["pipeline"]["receipts_paper"], now["pipeline"]["fiscal_year_start_month"],
            now["pipeline"]["receipts_wording"]) == ("A4", 1, "standard")
    with app.test_request_context():
        from modules.contacts.people import phones

        assert phones.normalise("087 123 4567") == "+353871234567"  # not +10871234567


def test_setup_keeps_what_was_changed_and_fills_only_the_rest(app, client):
    response = post_form(client, "/setup", {**SETUP, "country": "GB", "currency": "eur",
                                            "fiscal_year_start_month": "1", "timezone": ""})
    assert response.status_code == 303
    now = stored(app)
    assert (now["core"]["currency"], now["core"]["timezone"], now["pipeline"]["fiscal_year_start_month"],
            now["pipeline"]["receipts_wording"]) == ("EUR", "Europe/London", 1, "gb")


def test_setup_without_a_country_changes_nothing_regional(app, client):
    assert post_form(client, "/setup", SETUP).status_code == 303
    now = stored(app)
    assert (now["core"]["country"], now["core"]["timezone"], now["core"]["currency"],
            now["contacts"]["default_country"], now["pipeline"]["receipts_paper"]) == ("", "UTC", "USD", "", "auto")


def test_the_defaults_button_fills_the_setup_form_and_saves_nothing(app, client):
    response = post_form(client, "/setup", {**SETUP, "country": "AU", "action": "country_defaults"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [selected(html, n) for n in ("country", "timezone", "locale", "phone_region", "paper",
                                        "fiscal_year_start_month", "receipt_wording")] == [
        "AU", "Australia/Sydney", "en-AU", "AU", "A4", "7", "standard"]
    assert selected(html, "currency") == "AUD"
    assert 'value="Liffey Food Bank"' in html and "is-invalid" not in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    assert stored(app)["core"]["currency"] == "USD"

    empty = post_form(client, "/setup", {**SETUP, "country": "", "action": "country_defaults"})
    assert empty.status_code == 200 and "Choose a country first." in empty.get_data(as_text=True)


def test_admin_fills_the_defaults_of_a_country_then_saves_them(app, client, admin):
    login(client, admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page)[1]
    base = {"org_name": "Steward", "country": "NZ", "timezone": "UTC", "currency": "USD", "locale": "en",
            "phone_region": "", "paper": "", "fiscal_year_start_month": "1", "receipt_wording": "standard",
            "edit_token": token}
    filled = post_form(client, "/admin/settings", {**base, "action": "country_defaults"})
    html = filled.get_data(as_text=True)
    assert filled.status_code == 200
    assert "These are the usual settings for New Zealand. Change any of them, then save." in html
    assert [selected(html, n) for n in ("timezone", "fiscal_year_start_month", "phone_region")] == [
        "Pacific/Auckland", "4", "NZ"]
    assert f'value="{token}"' in html  # the save that follows is still guarded
    assert stored(app)["core"]["timezone"] == "UTC"  # nothing saved yet

    saved = post_form(client, "/admin/settings", {
        **base, "timezone": "Pacific/Auckland", "currency": "NZD", "locale": "en-NZ", "phone_region": "NZ",
        "paper": "A4", "fiscal_year_start_month": "4", "receipt_wording": "standard"}, follow_redirects=True)
    assert "The organisation settings are saved." in saved.get_data(as_text=True)
    now = stored(app)
    assert (now["core"]["country"], now["core"]["timezone"], now["core"]["currency"], now["core"]["locale"],
            now["contacts"]["default_country"], now["pipeline"]["fiscal_year_start_month"],
            now["pipeline"]["receipts_paper"]) == ("NZ", "Pacific/Auckland", "NZD", "en-NZ", "NZ", 4, "A4")
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "core_setting")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.changes["fiscal_year_start_month"] == [1, 4]
        assert entry.changes["phone_region"] == ["", "NZ"]


def test_a_disabled_modules_settings_are_not_offered(app, client, admin, monkeypatch):
    state = app.extensions["steward"]
    monkeypatch.setattr(state, "enabled", [m for m in state.enabled if m.name not in ("pipeline",)])
    login(client, admin.email)
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="phone_region"' in html and 'name="currency"' in html
    assert 'name="paper"' not in html and 'name="fiscal_year_start_month"' not in html
