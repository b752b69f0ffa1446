"""The accounting export: a date range's cash gifts as a balanced journal
in QuickBooks Online's and Xero's CSV shapes, fund by fund; exporting the
same range twice gives the same totals; gifts remember the first export
that carried them, and "only new gifts" never skips or repeats one."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import settings
from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.accounting.models import AccountingExport
from modules.pipeline.models import Fund, Gift
from tests.conftest import login, make_user, post_form

URL = "/pipeline/giving/accounting"


@pytest.fixture
def books(app):
    """Gifts over three days in GBP (two funds and none), one in EUR, one in kind."""
    make_user(app)
    with app.app_context():
        settings.put("core", {"currency": "GBP"})
        building, general = Fund(name="Building fund"), Fund(name="=General")  # a name that looks like a formula
        db.session.add_all([building, general])
        donor = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.flush()
        settings.put("pipeline", {"accounting_deposit_account": "1200 Bank", "accounting_income_account": "4000",
                                  "accounting_fund_accounts": {str(building.id): "4100"},
                                  "accounting_date_format": "dmy"})
        for day, amount, fund in [(1, "10.00", building), (1, "5.50", building), (1, "20.00", None),
                                  (2, "7.25", general), (3, "100.00", building)]:
            gifts.record_gift(contact_id=donor.id, amount=Decimal(amount), currency="GBP",
                              received_on=date(2026, 3, day), fund_id=fund.id if fund else None)
        gifts.record_gift(contact_id=donor.id, amount=Decimal("50"), currency="EUR", received_on=date(2026, 3, 2))
        gifts.record_gift(contact_id=donor.id, amount=Decimal("80"), currency="GBP", received_on=date(2026, 3, 2),
                          in_kind=True, in_kind_description="A laptop")
        db.session.commit()


def download(client, **values):
    data = {"date_from": "2026-03-01", "date_to": "2026-03-03", "currency": "", "shape": "quickbooks", **values}
    answer = post_form(client, URL, data, page=URL)
    assert answer.status_code == 200, answer.data[:400]
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))


def money(text: str) -> Decimal:
    return Decimal(text) if text else Decimal("0")


def test_a_quickbooks_journal_balances_each_day_and_credits_each_fund_account(app, client, books):
    login(client)
    rows = download(client)
    assert rows[0] == ["Journal No", "Journal Date", "Currency", "Memo", "Account", "Debits", "Credits",
                       "Description"]
    body = rows[1:]
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in body] == [
        ("STW-20260301-GBP", "01/03/2026", "1200 Bank", "35.50", ""),
        ("STW-20260301-GBP", "01/03/2026", "4000", "", "20.00"),
        ("STW-20260301-GBP", "01/03/2026", "4100", "", "15.50"),
        ("STW-20260302-GBP", "02/03/2026", "1200 Bank", "7.25", ""),
        ("STW-20260302-GBP", "02/03/2026", "4000", "", "7.25"),
        ("STW-20260303-GBP", "03/03/2026", "1200 Bank", "100.00", ""),
        ("STW-20260303-GBP", "03/03/2026", "4100", "", "100.00"),
    ]
    assert sum(money(r[5]) for r in body) == sum(money(r[6]) for r in body) == Decimal("142.75")
    assert body[1][7] == "Donations: No fund (1 gift)" and body[2][7] == "Donations: Building fund (2 gifts)"


def test_a_cell_that_starts_like_a_formula_stays_text():
    from modules.pipeline.accounting import journal

    mapping = journal.Mapping(deposit="=HYPERLINK(\"http://x\")", default_income="4000", by_fund={})
    lines = journal.lines([(date(2026, 3, 1), "GBP", None, Decimal("5"), 1)], mapping, {})
    text = journal.to_csv("quickbooks", lines, "GBP", mapping)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_xero_amounts_are_signed_and_sum_to_nothing(app, client, books):
    login(client)
    rows = download(client, shape="xero")
    assert rows[0] == ["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"]
    amounts = [Decimal(r[5]) for r in rows[1:]]
    assert sum(amounts) == 0 and sum(a for a in amounts if a > 0) == Decimal("142.75")
    assert {r[4] for r in rows[1:]} == {"Tax Exempt"}


def test_exporting_twice_gives_the_same_totals_and_marks_each_gift_once(app, client, books):
    login(client)
    first, second = download(client), download(client)
    assert first == second
    with app.app_context():
        marks = dict(db.session.execute(select(Gift.accounting_export_id, func.count()).group_by(
            Gift.accounting_export_id)).all())
        # The five GBP cash gifts carry the first export; the EUR gift and the gift in kind none.
        first_export = db.session.scalar(select(func.min(AccountingExport.id)))
        assert marks == {None: 2, first_export: 5}
    page = client.get(URL)
    assert page.data.count(b"\xc2\xa3142.75") == 2  # the same total in both rows of "Recent exports"


def test_only_new_gifts_carries_each_gift_exactly_once(app, client, books):
    login(client)
    assert len(download(client, only_new="y")) == 8
    with app.app_context():
        donor_id = db.session.scalar(select(Gift.contact_id).limit(1))
        gifts.record_gift(contact_id=donor_id, amount=Decimal("3.00"), currency="GBP", received_on=date(2026, 3, 2))
        db.session.commit()
    later = download(client, only_new="y")
    assert [(r[4], r[5], r[6]) for r in later[1:]] == [("1200 Bank", "3.00", ""), ("4000", "", "3.00")]
    assert len(download(client, only_new="y")) == 1  # nothing left: the header only


def test_other_currencies_export_on_their_own(app, client, books):
    login(client)
    rows = download(client, currency="EUR")
    assert [(r[2], r[5] or r[6]) for r in rows[1:]] == [("EUR", "50.00"), ("EUR", "50.00")]


def test_bad_ranges_are_refused_next_to_the_field_and_nothing_is_marked(app, client, books):
    login(client)
    answer = post_form(client, URL, {"date_from": "2026-03-05", "date_to": "2026-03-01", "currency": "",
                                     "shape": "quickbooks"}, page=URL)
    assert answer.status_code == 422 and b"The last day is before the first." in answer.data
    with app.app_context():
        assert db.session.scalar(select(func.count(Gift.accounting_export_id))) == 0


def test_without_accounts_the_export_says_what_to_set_up(app, client, books):
    with app.app_context():
        settings.put("pipeline", {"accounting_deposit_account": ""})
        db.session.commit()
    login(client)
    answer = post_form(client, URL, {"date_from": "2026-03-01", "date_to": "2026-03-03", "currency": "",
                                     "shape": "quickbooks"}, page=URL)
    assert answer.status_code == 422 and b"Set the deposit and income accounts first" in answer.data


def test_admin_maps_funds_to_accounts(app, client, books):
    login(client)
    with app.app_context():
        general = db.session.scalar(select(Fund.id).where(Fund.name == "=General"))
        building = db.session.scalar(select(Fund.id).where(Fund.name == "Building fund"))
    url = "/pipeline/giving/accounting/accounts"
    saved = post_form(client, url, {"deposit_account": "1210 Stripe clearing", "income_account": "4000",
                                    f"fund_{general}": "4200", f"fund_{building}": "", "tax_rate": "No GST",
                                    "date_format": "iso"}, page=url, follow_redirects=True)
    assert b"The accounts are saved." in saved.data
    with app.app_context():
        assert settings.get("pipeline", "accounting_fund_accounts") == {str(general): "4200"}
    rows = download(client, shape="xero")
    assert {(r[1], r[3], r[4]) for r in rows[1:] if r[1] == "2026-03-02"} == {
        ("2026-03-02", "1210 Stripe clearing", "No GST"), ("2026-03-02", "4200", "No GST")}
