"""Amounts are read the way the organisation writes them (issue 16 part 2):
"1.000,50" is 1000.50 in German and refused in English with the expected
format; scientific notation, hex and misplaced separators are refused;
edit forms write amounts back in the same locale so a round trip is no
change; the gift import reads amounts with the same parser."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import settings
from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.gift_import.check import Lookups, read_row
from modules.pipeline.models import Gift
from modules.pipeline.money import AmountError, format_amount, parse_amount
from tests.conftest import csrf_from


@pytest.mark.parametrize(("locale", "typed", "value"), [
    ("en", "1,000.50", Decimal("1000.50")),
    ("en", "$1,234.5", Decimal("1234.50")),
    ("en", "EUR 10", Decimal("10.00")),
    ("de", "1.000,50", Decimal("1000.50")),
    ("de", "10,50 €", Decimal("10.50")),
    ("fr", "1 000,50", Decimal("1000.50")),
    ("de-CH", "1’000.50", Decimal("1000.50")),
])
def test_amounts_are_read_in_the_locale(locale, typed, value):
    assert parse_amount(typed, locale=locale) == value


@pytest.mark.parametrize(("locale", "typed", "example"), [
    ("en", "1e6", "1,234.50"),
    ("en", "0x10", "1,234.50"),
    ("en", "1,0,0", "1,234.50"),
    ("en", "1.000,50", "1,234.50"),
    ("de", "1e6", "1.234,50"),
    ("de", "1,000.50", "1.234,50"),
    ("en", "12 dollars", "1,234.50"),
])
def test_what_is_not_how_money_is_written_is_refused_with_the_format(locale, typed, example):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed, locale=locale)
    message = str(refused.value)
    assert f"write the amount like {example}." in message and typed in message
    assert "decimal places" not in message


@pytest.mark.parametrize("locale", ["en", "de", "fr", "de-CH", "sv", "en-IN"])
def test_written_amounts_read_back_the_same(locale):
    for amount in (Decimal("0.05"), Decimal("1234.50"), Decimal("1234567.89")):
        assert parse_amount(format_amount(amount, locale), locale=locale) == amount


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, url)})


@pytest.fixture
def german(app):
    with app.app_context():
        settings.put("core", {"locale": "de"})
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.commit()
        return grace.id


def test_a_german_organisation_records_1000_50_and_refuses_1e6(admin_client, app, german):
    url = "/pipeline/gifts/new"
    refused = _post(admin_client, url, {"contact_id": german, "amount": "1e6", "received_on": "2026-03-01",
                                        "sc_count": "0"})
    html = refused.get_data(as_text=True)
    assert refused.status_code in (200, 422) and "write the amount like 1.234,50" in html
    assert 'value="1e6"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Gift)) == 0
    saved = _post(admin_client, url, {"contact_id": german, "amount": "1.000,50", "received_on": "2026-03-01",
                                      "sc_count": "0"})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalars(select(Gift.amount)).all() == [Decimal("1000.50")]


def test_the_edit_form_writes_the_amount_in_the_locale_and_a_round_trip_changes_nothing(admin_client, app,
                                                                                         german):
    with app.app_context():
        gift = gifts.record_gift(contact_id=german, amount=Decimal("1250.50"), received_on=date(2026, 3, 2))
        db.session.commit()
        gift_id = gift.id
    url = f"/pipeline/gifts/{gift_id}/edit"
    form = admin_client.get(url).get_data(as_text=True)
    assert 'value="1.250,50"' in form
    response = _post(admin_client, url, {"contact_id": german, "amount": "1.250,50", "received_on": "2026-03-02",
                                         "sc_count": "0"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.get(Gift, gift_id).amount == Decimal("1250.50")


def test_the_gift_import_reads_amounts_in_the_locale(app, german):
    with app.app_context():
        lookups = Lookups()
        good = read_row(2, ["1.000,50", "2026-03-01"], ["Amount", "Date"],
                        {"Amount": "amount", "Date": "received_on"}, lookups)
        bad = read_row(3, ["1e6", "2026-03-01"], ["Amount", "Date"],
                       {"Amount": "amount", "Date": "received_on"}, lookups)
    assert good.values["amount"] == Decimal("1000.50") and good.problems == []
    assert "amount" not in bad.values
    assert bad.problems == ["Amount: “1e6” is not an amount; write the amount like 1.234,50."]
