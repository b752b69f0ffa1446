"""Ids wider than the database's 64 bits (issue 14, finding 6): an address
with one is not found (404), and a filter or parameter with one is ignored
with a message where the page has a place for it; never a 500."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from app.ids import MAX_ID, parse_id

TOO_BIG = str(2**64)


@pytest.mark.parametrize("path", [
    f"/contacts/{TOO_BIG}", f"/contacts/{TOO_BIG}/panels/giving", f"/pipeline/gifts/{TOO_BIG}",
    f"/admin/jobs/{TOO_BIG}", f"/pipeline/opportunities/{TOO_BIG}", f"/contacts/segments/{10**30}",
])
def test_an_address_with_an_id_too_wide_is_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_the_largest_id_still_matches_its_route(app):
    """The boundary is the column's: 2**63 - 1 reaches the view (which finds no
    record); one more does not match the rule at all."""
    urls = app.url_map.bind("localhost")
    endpoint, args = urls.match(f"/contacts/{MAX_ID}")
    assert endpoint == "contacts.show" and args == {"contact_id": MAX_ID}
    with pytest.raises(NotFound):
        urls.match(f"/contacts/{MAX_ID + 1}")


@pytest.mark.parametrize(("query", "message"), [
    (f"f=tag:is:{TOO_BIG}", "Choose a tag."),
    (f"f=owner:is:{TOO_BIG}", "Choose a person."),
    (f"f=fund:is:{TOO_BIG}", "Choose a fund."),
])
def test_a_filter_rule_with_an_id_too_wide_is_ignored_with_a_message(admin_client, query, message):
    response = admin_client.get(f"/contacts/?{query}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    f"/contacts/?segment={TOO_BIG}", f"/contacts/tasks?contact={TOO_BIG}", f"/pipeline/forecast?owner={TOO_BIG}",
    f"/pipeline/opportunities/?stage={TOO_BIG}&owner={TOO_BIG}&pipeline={TOO_BIG}",
    f"/pipeline/pledges/?contact={TOO_BIG}", f"/pipeline/gifts/?after=2024-01-01.{TOO_BIG}",
])
def test_a_parameter_with_an_id_too_wide_is_ignored(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_the_gift_list_says_a_fund_it_cannot_read_was_ignored(admin_client):
    page = admin_client.get(f"/pipeline/gifts/?fund={TOO_BIG}").get_data(as_text=True)
    assert "Some filters could not be read and were ignored" in page


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), (" 12 ", 12), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("-1", None),
    ("²", None), ("١٢", None), ("1e3", None), ("", None), (None, None), (7, 7),
])
def test_parse_id(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("query", ["after=2147483648:x", "sort=created&after=2147483648:2024-01-01T00:00:00",
                                   "f=tag:is:2147483648"])
def test_ids_past_postgresql_integer_are_ignored_on_the_contact_list(admin_client, query):
    """The id columns are INTEGER (32 bits on PostgreSQL): a cursor or a rule
    with an id past 2**31 - 1 is read as none, not handed to the database."""
    assert admin_client.get(f"/contacts/?{query}").status_code == 200
