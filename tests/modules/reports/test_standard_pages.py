"""The standard reports' pages: the list shows what a role may open, each
report opens with its tables, parameters come from the URL and bad ones say
so, a role without giving.view cannot open giving reports, a disabled
module's reports do not exist, and `flask reports rebuild` puts a damaged
rollup right."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete

from app import create_app
from app.extensions import db
from app.reporting import standard
from modules.pipeline import gift_rollup
from modules.pipeline.models import GiftFundDay
from tests.conftest import app_config, login, make_user
from tests.modules.reports import dataset

GIVING = ["giving.lybunt", "giving.sybunt", "giving.retention", "giving.conversion", "giving.pyramid",
          "giving.by-fund", "giving.by-appeal", "giving.by-month", "giving.average-median", "giving.top-donors",
          "giving.pledges"]
PIPELINE = ["pipeline.win-rate", "pipeline.time-in-stage", "pipeline.forecast-actual"]
CONTACTS = ["contacts.growth", "contacts.by-tag", "contacts.by-source", "contacts.quality"]
MARKETING = ["marketing.performance", "marketing.engagement-decay", "marketing.unsubscribes"]
HELPDESK = ["helpdesk.volume", "helpdesk.sla-times", "helpdesk.satisfaction"]


@pytest.fixture
def history(app):
    with app.app_context():
        return dataset.build()


def cells(html: str) -> list[list[str]]:
    """Each body row's cells as text."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_every_standard_report_opens_for_an_admin(client, app, admin, history):
    login(client)
    listing = client.get("/reports/").get_data(as_text=True)
    with app.app_context():
        keys = [c.report.key for c in standard.available()]
    assert sorted(keys) == sorted(GIVING + PIPELINE + CONTACTS + MARKETING + HELPDESK)
    for key in keys:
        assert f'href="/reports/standard/{key}"' in listing
        page = client.get(f"/reports/standard/{key}?year=2025")
        assert page.status_code == 200, key
        html = page.get_data(as_text=True)
        assert "<table>" in html and "<caption" in html and 'scope="col"' in html, key
    # The LYBUNT page: a bookmarkable GET form and the three donors, biggest first, with their total.
    html = client.get("/reports/standard/giving.lybunt?year=2025").get_data(as_text=True)
    assert 'method="get"' in html and 'name="year"' in html and 'value="2025"' in html
    assert [row[:3] for row in cells(html)] == [["Dan Donor", "1", "1,500.00"], ["Cat Donor", "1", "500.00"],
                                                ["Jo Donor", "1", "60.00"]]
    assert "2,060.00" in html.split("<tfoot>")[1]
    # HTMX asks for the part below the heading only.
    fragment = client.get("/reports/standard/giving.retention?year=2025", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "57.1%" in text and "41.0%" in text and 'hx-push-url="true"' in text


def test_each_table_is_drawn_as_its_svg_chart_above_it(client, app, admin, history):
    """A table whose report names a chart gets that chart, server-rendered: an
    SVG with a text description, whose marks carry the table's own numbers."""
    login(client)
    html = client.get("/reports/standard/giving.top-donors?from=2024-01-01&to=2026-12-31").get_data(as_text=True)
    (figure,) = re.findall(r'<figure class="rp-figure".*?</figure>', html, re.S)
    assert '<svg class="rp-svg"' in figure and 'role="img"' in figure and "<desc" in figure
    bars = re.findall(r"<rect [^>]*><title>(.*?)</title>", figure)
    headings = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    given = next(i for i, h in enumerate(headings) if h.startswith("Given ("))
    rows = cells(html)
    assert len(rows) >= 3 and bars == [f"{row[0]}, {headings[given]}: {row[given]}" for row in rows]
    assert html.index("rp-figure") < html.index("<table>")  # above the table holding the numbers
    # Line charts too; and every report with a chart spec draws it.
    retention = client.get("/reports/standard/giving.retention?year=2025").get_data(as_text=True)
    assert "<polyline" in retention and retention.count('<svg class="rp-svg"') == 2
    with app.app_context():
        for contributed in standard.available():
            key = contributed.report.key
            page = client.get(f"/reports/standard/{key}?year=2025").get_data(as_text=True)
            tables = page.count('class="card report-table"')
            assert tables and page.count('<svg class="rp-svg"') <= tables, key


def test_parameters_that_cannot_be_read_say_so_and_use_the_defaults(client, app, admin, history):
    login(client)
    html = client.get("/reports/standard/giving.by-month?year=twenty&fund=99999&to=2026-13-01") \
        .get_data(as_text=True)
    assert "Choose a year between 1900 and 2200." in html
    assert "Choose one of the listed fund values." in html
    assert "Write the date as YYYY-MM-DD." in html
    assert 'aria-invalid="true"' in html
    assert client.get("/reports/standard/no-such-report").status_code == 404


def test_a_role_without_giving_view_sees_no_giving_report(client, app, history):
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    login(client, "vol@example.org")
    listing = client.get("/reports/").get_data(as_text=True)
    for key in GIVING:
        assert f"/reports/standard/{key}" not in listing
        assert client.get(f"/reports/standard/{key}?year=2025").status_code == 403
    for key in PIPELINE + CONTACTS:  # volunteers see pipelines and contacts
        assert f"/reports/standard/{key}" in listing
    assert client.get("/reports/standard/pipeline.win-rate").status_code == 200


def test_giving_reports_exist_only_with_pipeline_enabled(app, tmp_path):
    without = create_app(app_config(tmp_path, STEWARD_MODULES=["contacts", "reports"],
                                    SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'none.db'}",
                                    REDIS_URL=app.extensions["steward"].redis_url))
    keys = {c.report.key for c in standard.available(without)}
    assert keys == set(CONTACTS)
    # the contacts module keeps the contacts-by-tag rollup; the giving ones come with pipeline
    assert [(module, r.name) for module, r in standard.rollups(without)] == [("contacts", "contacts.tag_days")]
    with app.app_context():
        assert sorted((module, r.name) for module, r in standard.rollups()) == [
            ("contacts", "contacts.tag_days"),
            ("helpdesk", "helpdesk.ticket_days"), ("helpdesk", "helpdesk.ticket_times"),
            ("marketing", "marketing.campaign_tally"),
            ("marketing", "marketing.engagement"),
            ("pipeline", "pipeline.donor_years"),
            ("pipeline", "pipeline.gift_days")]


def test_flask_reports_rebuild_restores_a_damaged_rollup(app, history):
    with app.app_context():
        db.session.execute(delete(GiftFundDay).where(GiftFundDay.fund_id == history["building"]))
        db.session.commit()
        assert not gift_rollup.in_step()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "equal to a full recomputation" in result.output and "NOT" not in result.output
    with app.app_context():
        assert gift_rollup.in_step()
        stored = gift_rollup.fund_days_stored()
        assert sum(gifts for (_c, _d, fund, _a), (_t, gifts) in stored.items() if fund == history["building"]) == 2
