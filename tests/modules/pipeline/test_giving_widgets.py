"""Dashboard widgets: giving by month this fiscal year against last, and the
open pipeline's value by stage."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from app import settings
from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts, widgets
from modules.pipeline.models import Opportunity, Pipeline, Stage
from tests.conftest import counted_queries, login, make_user

D = Decimal
TODAY = date(2026, 3, 15)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def donors(app):
    with app.app_context():
        a = records.create("person", {"first_name": "Ann", "last_name": "Giver"})
        b = records.create("person", {"first_name": "Bob", "last_name": "Giver"})
        db.session.flush()
        for contact_id, amount, on in ((a.id, "100", date(2025, 1, 5)), (b.id, "50.50", date(2025, 1, 31)),
                                       (a.id, "200", date(2025, 3, 15)), (a.id, "999", date(2025, 3, 16)),
                                       (b.id, "300", date(2025, 12, 31)), (a.id, "40", date(2026, 1, 1)),
                                       (b.id, "60", date(2026, 3, 2)), (a.id, "7", date(2024, 12, 31))):
            gifts.record_gift(contact_id=contact_id, amount=D(amount), received_on=on)
        gifts.record_gift(contact_id=a.id, amount=D("5000"), received_on=date(2026, 2, 1), currency="EUR")
        db.session.commit()
        return a.id, b.id


def test_monthly_totals_split_this_year_and_last_by_month(app, ctx, donors):
    year, months, last_to_date = widgets.monthly_totals(TODAY)
    assert year.start == date(2026, 1, 1) and len(months) == 12
    assert [(m.label, m.this_year, m.last_year) for m in months[:3]] == [
        ("Jan", D("40.00"), D("150.50")), ("Feb", D("0.00"), D("0.00")), ("Mar", D("60.00"), D("1199.00"))]
    assert months[11].last_year == D("300.00") and months[3].future and not months[2].future
    # Last year up to 15 March 2025 (the 16th's 999 is after the same day).
    assert last_to_date == D("350.50")


def test_monthly_totals_follow_the_fiscal_year(app, ctx, donors):
    settings.put("pipeline", {"fiscal_year_start_month": 4})
    db.session.commit()
    year, months, _ = widgets.monthly_totals(TODAY)
    assert year.start == date(2025, 4, 1) and months[0].label == "Apr" and months[-1].label == "Mar"
    assert months[8].this_year == D("300.00")  # Dec 2025
    assert months[11].this_year == D("60.00") and months[11].last_year == D("1199.00")  # Mar 2026 / Mar 2025


def test_the_giving_chart_says_its_numbers_in_text(app, admin_client, donors, monkeypatch):
    monkeypatch.setattr(widgets, "local_today", lambda: TODAY)
    html = admin_client.get("/").get_data(as_text=True)
    match = re.search(r'<section[^>]*aria-labelledby="widget-pipeline-giving-by-month".*?</section>', html, re.S)
    assert match
    widget = match.group(0)
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="giving-chart-title giving-chart-desc"', widget)
    assert "<title id=\"giving-chart-title\">Giving by month, this year against last year</title>" in widget
    assert "Mar: this year $60, last year $1,199." in widget
    # Bars only where there was giving: Jan and Mar of both years, Dec of last year.
    assert len(re.findall(r'<rect class="bar-', widget)) == 5
    text = text_of(widget)
    assert "This year (2026) so far: $100.00" in text
    assert "Last year by this date: $350.50; all of last year: $1,649.50" in text
    assert "Jan 2026 $40.00 $150.50" in text and "Apr 2026 — $0.00" in text
    assert "Total $100.00 $1,649.50" in text


def test_the_widgets_run_a_fixed_number_of_queries(app, ctx, donors):
    with app.test_request_context():
        widgets.giving_by_month(TODAY)  # settings are read once per request; count what follows
        with counted_queries(app) as few:
            widgets.giving_by_month(TODAY)
            widgets.pipeline_value()
        a, _ = donors
        for i in range(200):
            gifts.record_gift(contact_id=a, amount=D("1"), received_on=date(2025, 1 + i % 12, 1 + i % 28))
        db.session.commit()
    with app.test_request_context():
        widgets.giving_by_month(TODAY)
        with counted_queries(app) as many:
            widgets.giving_by_month(TODAY)
            widgets.pipeline_value()
    assert len(few) == len(many) <= 4


def test_open_pipeline_value_by_stage_with_weighted_totals(app, admin_client, donors):
    a, b = donors
    with app.app_context():
        major = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Major gifts"))
        open_stages = [s for s in major.stages if s.outcome == "open"]
        won = next(s for s in major.stages if s.outcome == "won")
        first, second = open_stages[0], open_stages[1]
        for stage, amount, currency in ((first, "10000", "USD"), (first, "5000", "USD"), (second, "20000", "USD"),
                                        (won, "99999", "USD"), (second, "777", "EUR")):
            db.session.add(Opportunity(pipeline_id=major.id, stage_id=stage.id, contact_id=a, name="Ask",
                                       amount=D(amount), currency=currency))
        archived = Pipeline(name="Old drive", archived=True)
        archived.stages = [Stage(name="Asked", probability=50)]
        db.session.add(archived)
        db.session.commit()
        expected = [(first.name, first.probability), (second.name, second.probability)]
        grants = db.session.scalar(db.select(Pipeline).where(Pipeline.name == "Grants"))
        grant_stages = [s.name for s in grants.stages if s.outcome == "open"]
        with app.test_request_context():
            pipelines = widgets.open_value_by_stage()
    assert [p.name for p, _ in pipelines] == ["Major gifts", "Grants"]
    stages = pipelines[0][1]
    assert [(s.name, s.probability) for s in stages[:2]] == expected
    assert (stages[0].count, stages[0].total) == (2, D("15000.00"))
    assert stages[0].weighted == (D("15000") * expected[0][1] / 100).quantize(D("0.01"))
    assert (stages[1].count, stages[1].total) == (1, D("20000.00"))
    assert [s.name for s in pipelines[1][1]] == grant_stages and all(s.count == 0 for s in pipelines[1][1])
    html = admin_client.get("/").get_data(as_text=True)
    match = re.search(r'<section[^>]*aria-labelledby="widget-pipeline-open-value".*?</section>', html, re.S)
    text = text_of(match.group(0))
    assert f"{first.name} {first.probability}% 2 $15,000" in text and "Old drive" not in text
    weighted = stages[0].weighted + stages[1].weighted + sum((s.weighted for s in stages[2:]), D(0))
    assert f"Total 3 $35,000 ${weighted:,.0f}" in text


def test_volunteers_see_neither_widget(app, donors):
    make_user(app, "vol@example.org", "volunteer", "Val Volunteer")
    client = app.test_client()
    login(client, "vol@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "widget-pipeline-giving-by-month" not in html and "$1,649.50" not in html
