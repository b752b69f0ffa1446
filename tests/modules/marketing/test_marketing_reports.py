"""Marketing's report source and standard reports against the hand-built
history in marketing_report_data.py; the figures are worked out in the
comments. A role without marketing.view sees neither."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.reporting import standard
from tests.conftest import login, make_user
from tests.modules.marketing import marketing_report_data as data
from tests.modules.reports.test_builder_errors import custom_role
from tests.modules.reports.test_builder_queries import run, table

D = Decimal


@pytest.fixture
def ids(app, admin):
    with app.app_context():
        return data.build()


def report(app, key: str, **values) -> list:
    from flask_login import login_user

    from app.extensions import db
    from app.models import User

    with app.test_request_context():
        login_user(db.session.scalar(db.select(User).limit(1)))
        found = standard.find(key)
        return found.report.run({"from": None, "to": None, **values})


def rows(html: str, caption: str) -> list[list[str]]:
    part = html.split(caption, 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", part, re.S)]


def test_recipients_source_counts_rows_and_events(app, admin, ids):
    # Spring: 5 rows (Eve failed), Summer 2; the sequence step is not a campaign.
    assert table(run(app, source="campaign_recipients", g="campaign")[0]) == {"Spring": (5,), "Summer": (2,)}
    # Opened by a person: Ann and Ben in Spring (Ben's machine open aside), Ann in Summer.
    opened = run(app, source="campaign_recipients", g=["campaign", "opened"])[0].rows
    assert {(r[0], bool(r[1])): r[2] for r in opened} == {("Spring", True): 2, ("Spring", False): 3,
                                                          ("Summer", True): 1, ("Summer", False): 1}
    clicked = run(app, source="campaign_recipients", g=["campaign", "clicked"])[0].rows
    assert {(r[0], bool(r[1])): r[2] for r in clicked} == {("Spring", True): 1, ("Spring", False): 4,
                                                           ("Summer", True): 1, ("Summer", False): 1}
    bounced = run(app, source="campaign_recipients", g=["bounced"])[0].rows
    assert {bool(r[0]): r[1] for r in bounced} == {True: 1, False: 6}  # Cat once, though twice bounced
    unsubscribed = run(app, source="campaign_recipients", g=["unsubscribed"])[0].rows
    assert {bool(r[0]): r[1] for r in unsubscribed} == {True: 1, False: 6}
    variants = run(app, source="campaign_recipients", g=["campaign", "variant"])[0].rows
    assert {(r[0], r[1]): r[2] for r in variants if r[0] == "Spring" and r[1] in ("A", "B", "a", "b")} \
        in ({("Spring", "A"): 2, ("Spring", "B"): 2}, {("Spring", "a"): 2, ("Spring", "b"): 2})
    statuses = table(run(app, source="campaign_recipients", g="status")[0])
    assert statuses == {"Failed": (1,), "Sent": (6,)}


def test_campaign_performance(app, ids):
    [perf] = report(app, "marketing.performance")
    # Spring: sent 4, bounced 1 (Cat), delivered 3; opens Ann+Ben = 2 of 3 = 66.7 %,
    # clicks Ann = 1 of 3 = 33.3 %, unsubscribes Dan = 1 of 3 = 33.3 %, bounce 1 of 4 = 25.0 %.
    # Summer: sent 2, delivered 2; opens 1 (50.0 %), clicks 1 (50.0 %), no unsubscribes (0.0 %).
    assert [r[:1] + r[2:] for r in perf.result.rows] == [
        ("Spring", 4, 3, 1, D("25.0"), 2, D("66.7"), 1, D("33.3"), 1, D("33.3")),
        ("Summer", 2, 2, 0, D("0.0"), 1, D("50.0"), 1, D("50.0"), 0, D("0.0"))]
    # All: sent 6, delivered 5, bounced 1 (16.7 %), opens 3 (60.0 %), clicks 2 (40.0 %), unsubscribes 1 (20.0 %).
    assert perf.footer[2:] == (6, 5, 1, D("16.7"), 3, D("60.0"), 2, D("40.0"), 1, D("20.0"))


def test_unsubscribes_by_campaign(app, ids):
    [unsubs] = report(app, "marketing.unsubscribes")
    # Spring: 1 of 3 delivered = 33.3 %, 1 complaint; Summer: none. Most unsubscribes first.
    assert [r[:1] + r[2:] for r in unsubs.result.rows] == [("Spring", 4, 1, D("33.3"), 1),
                                                           ("Summer", 2, 0, D("0.0"), 0)]


def test_engagement_decay_by_sequence_and_by_months(app, ids):
    [by_n] = report(app, "marketing.engagement-decay", by="sequence")
    # 1st campaign: Ann, Ben, Cat, Dan (Spring) = 4; opened Ann, Ben = 2 (50.0 %); clicked Ann = 1 (25.0 %).
    # 2nd: Ann, Ben (Summer) = 2; opened Ann (50.0 %); clicked Ben (50.0 %). Eve's failed message and
    # Ann's sequence step do not count.
    assert by_n.result.rows == [(1, 4, 2, D("50.0"), 1, D("25.0")), (2, 2, 1, D("50.0"), 1, D("50.0"))]
    [by_months] = report(app, "marketing.engagement-decay", by="months")
    # Month 0 (March, everyone's first) as above; May is 2 months after March.
    assert by_months.result.rows == [(0, 4, 2, D("50.0"), 1, D("25.0")), (2, 2, 1, D("50.0"), 1, D("50.0"))]


def test_the_pages_open_and_show_the_figures(client, app, admin, ids):
    login(client)
    listing = client.get("/reports/").get_data(as_text=True)
    for key in ("marketing.performance", "marketing.engagement-decay", "marketing.unsubscribes"):
        assert f'href="/reports/standard/{key}"' in listing
        assert client.get(f"/reports/standard/{key}").status_code == 200
    html = client.get("/reports/standard/marketing.performance?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert rows(html, "Campaign performance</caption>")[0][:7] == ["Spring", "2026-03-01", "4", "3", "1", "25.0%",
                                                                    "2"]
    # Only Summer started in May.
    html = client.get("/reports/standard/marketing.unsubscribes?from=2026-05-01").get_data(as_text=True)
    assert [r[0] for r in rows(html, "Unsubscribes by campaign</caption>")] == ["Summer"]
    html = client.get("/reports/standard/marketing.engagement-decay?by=months").get_data(as_text=True)
    assert [r[:4] for r in rows(html, "months since the first campaign</caption>")] == [
        ["0", "4", "2", "50.0%"], ["2", "2", "1", "50.0%"]]


def test_a_role_without_marketing_view_sees_neither(client, app, ids):
    from app.reporting.sources import visible_sources

    role = custom_role(app, "Reporter", ["reports.view", "reports.build", "contacts.view"])
    make_user(app, "rep@example.org", role=role, name="Rita Reporter")
    login(client, "rep@example.org")
    listing = client.get("/reports/").get_data(as_text=True)
    for key in ("marketing.performance", "marketing.engagement-decay", "marketing.unsubscribes"):
        assert f"/reports/standard/{key}" not in listing
        assert client.get(f"/reports/standard/{key}").status_code == 403
    assert client.get("/reports/new?source=contacts").status_code == 200
    assert client.get("/reports/new?source=campaign_recipients").status_code == 403
    with app.test_request_context():
        from flask_login import login_user

        from app.extensions import db
        from app.models import User

        login_user(db.session.scalar(db.select(User).where(User.email == "rep@example.org")))
        assert "campaign_recipients" not in visible_sources() and "contacts" in visible_sources()
