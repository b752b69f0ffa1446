"""Closed lists are checked on the server (issue 16 part 2, item 4): a
contact's preferred language must be a language code Babel knows, a country
an ISO 3166 code, in the contact form and in the contact import (a message
on the row); good codes are stored written the usual way ("es-MX")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.languages import language_code
from modules.contacts.importer.validate import RowReader
from modules.contacts.models import Contact
from tests.conftest import post_form

KLINGON = "“klingon” is not a language code; write one like en, fr or es-MX."


@pytest.mark.parametrize(("typed", "stored"), [
    ("en", "en"), ("EN", "en"), ("es_mx", "es-MX"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419"),
    ("pt-US", "pt-US"), ("", ""),
])
def test_language_codes_are_read_the_usual_way(typed, stored):
    assert language_code(typed) == stored


@pytest.mark.parametrize("typed", ["klingon", "tlh", "x", "en-ZZ", "en-GB-GB", "fr-CAN", "English"])
def test_what_is_not_a_language_code_is_refused(typed):
    with pytest.raises(ValueError) as refused:
        language_code(typed)
    assert str(refused.value) == f"“{typed}” is not a language code; write one like en, fr or es-MX."


def _contacts(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(c.last_name, c.preferred_language) for c in db.session.scalars(select(Contact))]


def test_the_contact_form_refuses_klingon_next_to_the_field_and_stores_es_mx(app, admin_client):
    refused = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Worf", "last_name": "Mogh", "preferred_language": "klingon"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="preferred_language-error">{KLINGON}</p>' in html
    assert 'value="klingon"' in html
    assert _contacts(app) == []
    saved = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ana", "last_name": "Ruiz", "preferred_language": "es_mx"})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    assert _contacts(app) == [("Ruiz", "es-MX")]


def test_the_contact_form_refuses_a_country_that_is_not_iso_3166(app, admin_client):
    refused = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ann", "last_name": "Smith", "addresses-0-city": "Leeds", "addresses-0-country": "ZZ"})
    assert refused.status_code == 422
    assert 'id="addresses-0-country-error">Use a two-letter country code' in refused.get_data(as_text=True)
    assert _contacts(app) == []


def test_the_organisation_country_must_be_one_offered(app, admin_client):
    refused = post_form(admin_client, "/admin/settings", {"org_name": "Liffey Food Bank", "country": "ZZ"})
    assert refused.status_code == 422 and 'id="country-error"' in refused.get_data(as_text=True)


def test_the_contact_import_refuses_klingon_and_zz_on_the_row(app):
    headers = ["First name", "Last name", "Language", "Country"]
    mapping = {"First name": "first_name", "Last name": "last_name", "Language": "preferred_language",
               "Country": "country"}
    with app.app_context():
        reader = RowReader(headers, mapping, [])
        good = reader.read(2, ["Ana", "Ruiz", "ES-mx", "mx"])
        bad = reader.read(3, ["Worf", "Mogh", "klingon", "ZZ"])
    assert good.problems == [] and good.values["preferred_language"] == "es-MX"
    assert good.address == {"country": "MX"}
    assert bad.problems == [("Language", KLINGON),
                            ("Country", "“ZZ” is not a country code: use two letters, like GB or US.")]
    assert "preferred_language" not in bad.values and not bad.address
