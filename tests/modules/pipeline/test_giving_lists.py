"""The pledge and recurring gift lists (one shared template and loader):
newest first, one keyset page at a time with rel="prev"/"next" links, the
status filter and the donor filter."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts, recurring


def _pledge(donor_id, amount):
    return gifts.record_pledge(contact_id=donor_id, amount=Decimal(amount), pledged_on=date(2026, 1, 1),
                               schedule=[(date(2026, 1, 1), Decimal(amount))])


def _recurring(donor_id, amount):
    return recurring.create(contact_id=donor_id, amount=Decimal(amount), frequency="monthly",
                            starts_on=date(2026, 1, 1))


# url, what it lists, how to add one, a status the list hides by default, its option's text
LISTS = {
    "pledges": ("/pipeline/pledges/", "pledges", _pledge, "cancelled", "Cancelled pledges"),
    "recurring": ("/pipeline/recurring/", "recurring gifts", _recurring, "ended", "Ended"),
}


@pytest.fixture
def donors(app):
    with app.app_context():
        ids = [records.create("person", {"first_name": first, "last_name": "Donor"}).id for first in ("Ada", "Bo")]
        db.session.commit()
        return ids


def _rows(html: str) -> int:
    return html.count("<tr>") - 1  # the head row


def _link(html: str, rel: str) -> str:
    return re.search(rf'rel="{rel}" href="([^"]+)"', html).group(1).replace("&amp;", "&")


@pytest.mark.parametrize("kind", LISTS)
def test_pages_newest_first_with_rel_links(admin_client, app, donors, kind):
    url, things, add, *_ = LISTS[kind]
    with app.app_context():
        for n in range(51):
            add(donors[0], str(100 + n))
        db.session.commit()
    first = admin_client.get(url).get_data(as_text=True)
    assert _rows(first) == 50 and "$150.00" in first and "$100.00" not in first
    assert f'<nav class="pager" aria-label="Pages of {things}">' in first and 'rel="prev"' not in first
    assert re.search(r'rel="next" href="[^"]+">Older <span aria-hidden="true">→</span></a>', first)
    second = admin_client.get(_link(first, "next")).get_data(as_text=True)
    assert _rows(second) == 1 and "$100.00" in second and 'rel="next"' not in second
    assert re.search(r'rel="prev" href="[^"]+"><span aria-hidden="true">←</span> Newer</a>', second)
    back = admin_client.get(_link(second, "prev")).get_data(as_text=True)
    assert _rows(back) == 50 and "$150.00" in back and 'rel="prev"' not in back


@pytest.mark.parametrize("kind", LISTS)
def test_status_and_donor_filters(admin_client, app, donors, kind):
    url, _, add, hidden_status, option = LISTS[kind]
    with app.app_context():
        add(donors[0], "11")
        add(donors[1], "22")
        add(donors[1], "33").status = hidden_status
        db.session.commit()
    shown = admin_client.get(url).get_data(as_text=True)
    assert (_rows(shown), "$33.00" in shown, "class=\"pager\"" in shown) == (2, False, False)
    every = admin_client.get(f"{url}?status=all").get_data(as_text=True)
    assert _rows(every) == 3 and '<option value="all" selected>' in every
    only = admin_client.get(f"{url}?status={hidden_status}").get_data(as_text=True)
    assert _rows(only) == 1 and "$33.00" in only
    assert f'<option value="{hidden_status}" selected>{option}</option>' in only
    theirs = admin_client.get(f"{url}?status=all&contact={donors[1]}").get_data(as_text=True)
    assert _rows(theirs) == 2 and "$11.00" not in theirs and "$22.00" in theirs and "$33.00" in theirs


@pytest.mark.parametrize("kind", LISTS)
def test_an_empty_list_says_so(admin_client, kind):
    url, things, *_ = LISTS[kind]
    html = admin_client.get(url).get_data(as_text=True)
    assert f"No {things} here yet." in html and "<table" not in html
