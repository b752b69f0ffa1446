"""The standard giving reports against the hand-built history in
dataset.py (a July fiscal year; the report year is FY2025 =
2025-07-01..2026-06-30, "last year" FY2024 = 2024-07-01..2025-06-30).
Every expected figure is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from app import settings
from app.extensions import db
from app.reporting import standard
from modules.pipeline import donor_years, gift_rollup
from modules.pipeline.models import DonorYearState
from tests.modules.reports import dataset

D = Decimal


@pytest.fixture
def history(app):
    with app.app_context():
        ids = dataset.build()
    return ids


def run(app, key: str, **args) -> list[standard.Table]:
    """The report as its page runs it: parameters read from a query string."""
    with app.test_request_context(f"/reports/standard/{key}"):
        report = standard.find(key).report
        values = standard.read_params(report, {k: str(v) for k, v in args.items()})
        assert not values.errors, values.errors
        tables = report.run(values.values)
        db.session.remove()
        return tables


def rows(table: standard.Table, *keys: str) -> list[tuple]:
    at = [table.result.column(k) for k in keys]
    return [tuple(row[i] for i in at) for row in table.result.rows]


def filters(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query)["f"]


def test_retention_overall_new_and_repeat_by_hand(app, history):
    # FY2024's live donors: Ann, Ben, Cat, Dan, Hal, Ivy (euros count: a donor is a donor), Jo = 7.
    # (Gus's 2024-06-30 gift is FY2023's last day; Tom is trashed.)
    # Gave again in FY2025: Ann (2025-07-01, its first day), Ben (2026-06-30, its last day), Hal, Ivy = 4.
    #   overall 4 / 7 = 57.1%.
    # New in FY2024 (first gift ever in it): Ben, Cat, Hal, Ivy = 4; of them again: Ben, Hal, Ivy = 3 -> 75.0%.
    # Repeat (gave in FY2024 and before it): Ann (FY2023), Dan (FY2021), Jo (FY2023) = 3; again: Ann = 1 -> 33.3%.
    summary, trend = run(app, "giving.retention", year=2025)
    assert rows(summary, "donors", "last_year", "again", "rate", "median") == [
        ("All donors", 7, 4, D("57.1"), D("41")),
        ("New donors", 4, 3, D("75.0"), D("27")),
        ("Repeat donors", 3, 1, D("33.3"), D("70"))]
    # The drill-down of "gave again" is the contacts list with the same rules.
    assert filters(summary.result.drill[1]) == ["gave:between:2024-07-01..2025-06-30",
                                                "gave:not_between:..2024-06-30",
                                                "gave:between:2025-07-01..2026-06-30"]
    # Year over year, FY2021..FY2025, each against the year before:
    #   FY2021: base FY2020, nobody.
    #   FY2022: base FY2021 = Dan (2022-03-01), new then; not again in FY2022 -> 0.0% overall and new.
    #   FY2023: base FY2022, nobody.
    #   FY2024: base FY2023 = Ann, Eve, Gus (2024-06-30), Jo = 4, all new in FY2023; again in FY2024:
    #           Ann, Jo = 2 -> 50.0% overall and new, no repeat donors.
    #   FY2025: the summary above.
    assert rows(trend, "year", "overall", "new", "repeat", "base") == [
        ("2021–22", None, None, None, 0),
        ("2022–23", D("0.0"), D("0.0"), None, 1),
        ("2023–24", None, None, None, 0),
        ("2024–25", D("50.0"), D("50.0"), None, 4),
        ("2025–26", D("57.1"), D("75.0"), D("33.3"), 7)]


def test_lybunt_members_and_totals(app, history):
    # Gave in FY2024, not in FY2025: Cat (500 on 2024-12-31), Dan (1500 on 2025-01-15), Jo (60 on 2024-09-09).
    # Ann gave in both (her FY2025 gift is on its first day); Tom is trashed. 3 donors, 3 gifts, 2,060.00.
    (table,) = run(app, "giving.lybunt", year=2025)
    assert rows(table, "donor", "gifts", "amount", "last_gift") == [
        ("Dan Donor", 1, D("1500.00"), date(2025, 1, 15)),
        ("Cat Donor", 1, D("500.00"), date(2024, 12, 31)),
        ("Jo Donor", 1, D("60.00"), date(2024, 9, 9))]
    assert table.footer == ("3 donors", 3, D("2060.00"), None)
    assert filters(table.links[0][1]) == ["gave:between:2024-07-01..2025-06-30",
                                          "gave:not_between:2025-07-01..2026-06-30"]


def test_sybunt_members_and_totals(app, history):
    # Gave before FY2025 and not in it: Cat, Dan, Jo (the LYBUNT three), Eve (FY2023) and Gus, whose
    # FY2026 gift does not count for FY2025. Amounts before FY2025: Dan 1000 + 1500, Cat 500, Jo 60 + 60,
    # Gus 75, Eve 30 = 3,225.00 in 7 gifts.
    (table,) = run(app, "giving.sybunt", year=2025)
    assert rows(table, "donor", "gifts", "amount") == [
        ("Dan Donor", 2, D("2500.00")), ("Cat Donor", 1, D("500.00")), ("Jo Donor", 2, D("120.00")),
        ("Gus Donor", 1, D("75.00")), ("Eve Donor", 1, D("30.00"))]
    assert table.footer == ("5 donors", 7, D("3225.00"), None)


def test_donor_pyramid_bands(app, history):
    # FY2025 totals per donor (USD): Kim 12,000 + 500 = 12,500 (10,000 band); Lee 250 (exactly the 250
    # band's floor); under 100: Ann 50, Ben 60, Fay 25 + 25, Hal 20, Ivy 10, Max 99.99 = 6 donors, 289.99.
    # 8 donors, 13,039.99 in all.
    (table,) = run(app, "giving.pyramid", year=2025)
    got = {band: (n, total) for band, n, total in rows(table, "band", "donors", "total")}
    assert got == {"25,000 and over": (0, D("0.00")), "10,000 to 24,999.99": (1, D("12500.00")),
                   "5,000 to 9,999.99": (0, D("0.00")), "1,000 to 4,999.99": (0, D("0.00")),
                   "500 to 999.99": (0, D("0.00")), "250 to 499.99": (1, D("250.00")),
                   "100 to 249.99": (0, D("0.00")), "Under 100": (6, D("289.99"))}
    assert table.footer == ("All donors", 8, None, D("13039.99"), None)
    assert rows(table, "donor_share")[-1] == (D("75.0"),)  # 6 of 8
    # The band's donors are the contacts list's "total given" filter over the year.
    assert filters(table.result.drill[-1]) == ["total:between:..99.99@2025-07-01..2026-06-30"]
    assert table.result.drill[0] is None  # nobody in it: no link


def test_average_and_median_gift(app, history):
    # FY2025's USD gifts, in order: 10, 20, 25, 25, 50, 60, 99.99, 250, 500, 12000 (10 gifts, 13,039.99).
    # Median = (50 + 60) / 2 = 55.00; average 1,303.999 -> 1,304.00; per donor 13,039.99 / 8 -> 1,630.00.
    (table,) = run(app, "giving.average-median", year=2025)
    last = table.result.rows[-1]
    assert last == ("2025–26", 10, D("13039.99"), D("1304.00"), D("55.00"), D("10.00"), D("12000.00"),
                    D("1630.00"))
    # FY2024's USD gifts: 20, 20, 40, 60, 200, 500, 999, 1500 (Ivy's euros are left out; money received
    # counts whoever gave it, so trashed Tom's 999 is in): median (60 + 200) / 2 = 130.00.
    assert table.result.rows[-2][1] == 8 and table.result.rows[-2][4] == D("130.00")
    # The same dates as a range (counted from the gifts per amount and day, donors from the gifts).
    (dated,) = run(app, "giving.average-median", **{"from": "2025-07-01", "to": "2026-06-30"})
    assert len(dated.result.rows) == 1 and dated.result.rows[0][1:] == last[1:]
    # An odd count and a fund: the Building fund in FY2025 is 250 and 12,000 -> median 6,125.00.
    (fund,) = run(app, "giving.average-median", year=2025, fund=history["building"])
    assert fund.result.rows[-1][4] == D("6125.00")


def test_first_time_donor_conversion(app, history):
    # FY2024's new donors: Ben, Cat, Hal, Ivy; a second gift by the end of FY2025: Ben (2026-06-30), Hal
    # (2024-10-01), Ivy (2025-11-11) = 3 of 4 -> 75.0%. Cat's second gift (2026-08-01) comes too late.
    # FY2025's new donors: Fay, Kim, Lee, Max; Fay and Kim gave twice -> 2 of 4 = 50.0%.
    (table,) = run(app, "giving.conversion", year=2025)
    assert table.result.rows[-2:] == [("2024–25", 4, 3, D("75.0")), ("2025–26", 4, 2, D("50.0"))]


def test_giving_by_fund_appeal_and_month_from_the_rollup(app, history):
    with app.app_context():
        assert gift_rollup.fund_days_stored() == gift_rollup.fund_days_recomputed()
    (by_fund,) = run(app, "giving.by-fund", year=2025)
    # Building: Kim 12,000 + Lee 250; no fund: the other 8 USD gifts of FY2025 = 789.99.
    assert rows(by_fund, "name", "gifts", "total", "share") == [
        ("Building", 2, D("12250.00"), D("93.9")), ("No fund", 8, D("789.99"), D("6.1"))]
    assert by_fund.footer == ("Total", 10, D("13039.99"), D("100.0"))
    (by_appeal,) = run(app, "giving.by-appeal", year=2025, fund=history["building"])
    assert rows(by_appeal, "name", "gifts", "total") == [("Gala", 1, D("12000.00")), ("No appeal", 1, D("250.00"))]
    (by_month,) = run(app, "giving.by-month", year=2025)
    months = dict(rows(by_month, "month", "total"))
    assert len(months) == 12 and months["Jul 2025"] == D("50.00") and months["Jun 2026"] == D("60.00")
    assert months["Dec 2025"] == D("12000.00") and months["Feb 2026"] == D("0.00")
    assert by_month.footer[2] == D("13039.99")
    # A date range instead of the fiscal year, ends included.
    (span,) = run(app, "giving.by-month", **{"from": "2025-12-01", "to": "2026-01-15"})
    assert rows(span, "month", "gifts", "total") == [("Dec 2025", 1, D("12000.00")), ("Jan 2026", 1, D("500.00"))]


def test_top_donors_and_pledges_outstanding(app, history):
    (top,) = run(app, "giving.top-donors", year=2025)
    assert rows(top, "donor", "total")[:4] == [("Kim Donor", D("12500.00")), ("Lee Donor", D("250.00")),
                                               ("Max Donor", D("99.99")), ("Ben Donor", D("60.00"))]
    assert top.result.drill[0].endswith(f"/contacts/{history['Kim']}")
    (pledges,) = run(app, "giving.pledges")
    # Cat's 1,000 pledge: 200 paid; 500 was due on 2026-08-01 -> 300 overdue, 800 outstanding.
    assert rows(pledges, "donor", "amount", "paid", "outstanding", "overdue") == [
        ("Cat Donor", D("1000.00"), D("200.00"), D("800.00"), D("300.00"))]


KEYS = ("giving.retention", "giving.conversion", "giving.lybunt", "giving.sybunt", "giving.pyramid",
        "giving.top-donors")


def _read_all(app) -> list:
    return [(t.result.rows, t.footer, t.result.drill)
            for key in KEYS for year in (2024, 2025) for t in run(app, key, year=year)]


def test_donor_reports_read_the_same_from_the_gifts_and_from_donor_years(app, history):
    """The hand-built history started the donors-per-year rollup with its first gift; the
    figures above came from it (retention, conversion, LYBUNT, SYBUNT, pyramid and top donors
    by fiscal year). Without it (the fiscal year changed, say) the reports read the gifts,
    with the same result; `rebuild` builds it for the new start month."""
    with app.app_context():
        assert donor_years.valid() and donor_years.stored() == donor_years.recomputed()
    from_rollup = _read_all(app)
    with app.app_context():
        settings.put("pipeline", {"fiscal_year_start_month": 4})
        db.session.commit()
        assert not donor_years.valid()
        settings.put("pipeline", {"fiscal_year_start_month": 7})
        db.session.delete(db.session.get(DonorYearState, 1))
        db.session.commit()
        assert not donor_years.valid()
    from_gifts = _read_all(app)
    assert from_gifts == from_rollup
    with app.app_context():
        assert donor_years.rebuild() == 23  # (donor, fiscal year) pairs in dataset.py, Tom's included
        db.session.commit()
        assert donor_years.in_step()
