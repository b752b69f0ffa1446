"""Currencies are chosen from ISO 4217 (issue 16 part 2, item 2): every
currency field is a select with the organisation's currency first, then the
common ones, then all by their name in the organisation's locale; a posted
code that is not a currency in use is refused on the server by the field,
and nothing is saved; the gift import refuses it on its row."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import settings
from app.currencies import choices, codes, is_currency
from app.extensions import db
from modules.contacts.people import records
from modules.pipeline.gift_import.check import Lookups, read_row
from modules.pipeline.models import Gift, Opportunity, Pipeline, RecurringGift, Stage
from tests.conftest import csrf_from


def test_the_list_is_iso_4217_in_use():
    assert {"USD", "EUR", "GBP", "JPY", "XOF", "ZWG"} <= codes()
    assert not {"XYZ", "DEM", "XTS", "EURO"} & codes()
    assert is_currency("eur") and not is_currency("XYZ") and not is_currency("")


def test_the_organisation_currency_comes_first_then_common_then_all_named_in_its_locale(app):
    with app.app_context():
        settings.put("core", {"currency": "CHF", "locale": "de"})
        offered = choices()
    codes_offered = [code for code, _ in offered]
    assert codes_offered[:3] == ["CHF", "USD", "EUR"]
    assert len(codes_offered) == len(set(codes_offered)) == len(codes())
    assert dict(offered)["EUR"] == "EUR — Euro" and dict(offered)["USD"] == "USD — US-Dollar"
    rest = [label.split(" — ")[1].casefold() for _, label in offered[15:]]
    assert rest == sorted(rest)


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, url)})


@pytest.fixture
def donor(app):
    with app.app_context():
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.commit()
        return grace.id


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_gift_form_offers_a_select_and_refuses_xyz(admin_client, app, donor):
    url = "/pipeline/gifts/new"
    page = admin_client.get(url).get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="currency".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', select_html)[:3] == ["", "EUR", "GBP"]
    assert "USD — US Dollar (default)" in select_html
    refused = _post(admin_client, url, {"contact_id": donor, "amount": "10", "currency": "XYZ",
                                        "received_on": "2026-03-01", "sc_count": "0"})
    html = refused.get_data(as_text=True)
    assert "XYZ is not a currency code" in html and 'id="currency-error"' in html
    assert _count(app, Gift) == 0
    saved = _post(admin_client, url, {"contact_id": donor, "amount": "10", "currency": "eur",
                                      "received_on": "2026-03-01", "sc_count": "0"})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Gift.currency)).all() == ["EUR"]


def test_a_recurring_gift_refuses_xyz(admin_client, app, donor):
    refused = _post(admin_client, "/pipeline/recurring/new", {
        "contact_id": donor, "amount": "10", "currency": "XYZ", "frequency": "monthly",
        "starts_on": "2026-03-01", "payment_method": "direct_debit"})
    assert "XYZ is not a currency code" in refused.get_data(as_text=True)
    assert _count(app, RecurringGift) == 0


def test_an_opportunity_refuses_xyz(admin_client, app, donor):
    with app.app_context():
        stage = db.session.scalar(select(Stage).join(Pipeline).order_by(Stage.position))
        stage_id = stage.id
    url = f"/pipeline/opportunities/new?contact={donor}"
    refused = _post(admin_client, url, {"name": "Grant", "amount": "100", "currency": "XYZ", "stage": stage_id,
                                        "owner": 0})
    assert refused.status_code == 422 and "XYZ is not a currency code" in refused.get_data(as_text=True)
    assert _count(app, Opportunity) == 0


def test_the_organisation_settings_refuse_xyz(admin_client, app):
    refused = _post(admin_client, "/admin/settings", {"org_name": "Liffey Food Bank", "currency": "XYZ"})
    assert refused.status_code == 422 and "XYZ is not a currency code" in refused.get_data(as_text=True)
    with app.app_context():
        assert settings.get("core", "currency") == "USD"


def test_the_gift_import_refuses_an_unknown_currency_on_its_row(app):
    headers = ["Amount", "Currency", "Date"]
    mapping = {"Amount": "amount", "Currency": "currency", "Date": "received_on"}
    with app.app_context():
        lookups = Lookups()
        good = read_row(2, ["10", "eur", "2026-03-01"], headers, mapping, lookups)
        bad = read_row(3, ["10", "XYZ", "2026-03-01"], headers, mapping, lookups)
    assert good.problems == [] and good.values["currency"] == "EUR" and good.values["amount"] == Decimal("10.00")
    assert bad.problems == ["Currency: “XYZ” is not a currency code; write an ISO 4217 code like USD, EUR or GBP."]
