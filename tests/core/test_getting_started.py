"""The dashboard's "Getting started" list ticks an item only when it was
really done: not because a default happens to look like a value."""

from __future__ import annotations

import re

from app import settings
from tests.conftest import PASSWORD, login, post_form


def ticked(client) -> dict[str, bool]:
    html = client.get("/").get_data(as_text=True)
    items = re.findall(r'<li class="(done)?"><a [^>]*>([^<]+)</a>', html)
    return {text: bool(done) for done, text in items}


def put(app, module, values):
    with app.test_request_context():
        settings.put(module, values)
        from app.extensions import db

        db.session.commit()


def test_nothing_is_ticked_on_a_fresh_install(app, client, admin):
    login(client, admin.email)
    assert ticked(client) == {"Name your organisation": False, "Choose its country, timezone and currency": False,
                              "Invite your colleagues": False,
                              "Connect an SMTP server so Steward can send email": False}
    assert "Not chosen yet" in client.get("/").get_data(as_text=True)


def test_the_regional_item_needs_a_country_or_both_timezone_and_currency(app, client, admin):
    login(client, admin.email)
    put(app, "core", {"org_name": "Hope Trust", "timezone": "Europe/Dublin"})
    now = ticked(client)
    assert now["Name your organisation"] and not now["Choose its country, timezone and currency"]
    put(app, "core", {"currency": "EUR"})
    assert ticked(client)["Choose its country, timezone and currency"]


def test_choosing_the_country_ticks_it_even_where_the_defaults_are_right(app, client, admin):
    """A US organisation in New York keeps USD: choosing the country is the confirmation."""
    login(client, admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]+)"', page)[1]
    assert post_form(client, "/admin/settings", {
        "org_name": "Steward", "country": "US", "timezone": "", "currency": "", "locale": "", "phone_region": "",
        "paper": "", "fiscal_year_start_month": "", "receipt_wording": "", "edit_token": token}).status_code == 303
    now = ticked(client)
    assert now["Choose its country, timezone and currency"] and not now["Name your organisation"]
    with app.test_request_context():
        assert (settings.get("core", "currency"), settings.get("core", "timezone")) == ("USD", "America/New_York")


def test_setup_with_a_country_ticks_the_first_two(app, client):
    assert post_form(client, "/setup", {"org_name": "Liffey Food Bank", "country": "IE", "name": "Gráinne",
                                        "email": "g@example.ie", "password": PASSWORD,
                                        "confirm": PASSWORD}).status_code == 303
    now = ticked(client)
    assert now["Name your organisation"] and now["Choose its country, timezone and currency"]
    assert not now["Invite your colleagues"]


def test_setup_without_a_country_leaves_it_unticked(app, client):
    assert post_form(client, "/setup", {"org_name": "Liffey Food Bank", "name": "Gráinne",
                                        "email": "g@example.ie", "password": PASSWORD,
                                        "confirm": PASSWORD}).status_code == 303
    assert ticked(client)["Choose its country, timezone and currency"] is False
