"""The builder as pages: the form's rows redirect to the canonical,
bookmarkable URL; HTMX gets only the redrawn part, with that URL to push;
removing a filter row; the reports index."""

from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.modules.reports import data


@pytest.fixture
def ids(app):
    with app.app_context():
        return data.build()


FORM = ("/reports/new?source=gifts&gf=received&gb=fiscal&gf=&gb=&ma=sum&mf=amount&ma=&mf=&ma=&mf="
        "&wk=amount&wo=gt&wv=20&wv2=&wk=&wo=&wv=&wv2=&match=all&fk=&fo=&fv=&fv2=&sort=&limit=500&chart=bar")


def test_the_form_redirects_to_the_canonical_url(app, admin_client, ids):
    response = admin_client.get(FORM)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"source": ["gifts"], "g": ["received:fiscal"], "m": ["sum:amount"], "w": ["amount:gt:20"],
                     "chart": ["bar"]}
    page = unescape(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "FY 2024–25" in page and "275.00" in page and "105.00" not in page  # 100 + 5: only 100 is over 20
    assert "100.00" in page


def test_htmx_gets_the_redrawn_part_and_the_url_to_push(app, admin_client, ids):
    response = admin_client.get(FORM, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="report-page"') and "<nav" not in html
    assert "HX-Request" in response.headers["Vary"]
    pushed = parse_qs(urlsplit(response.headers["HX-Push-Url"]).query)
    assert pushed["g"] == ["received:fiscal"] and pushed["w"] == ["amount:gt:20"]


def test_removing_a_filter_row(app, admin_client, ids):
    response = admin_client.get(FORM + "&remove=w0")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert "w" not in query and query["g"] == ["received:fiscal"]


def test_a_date_group_from_the_form_defaults_to_months(app, admin_client, ids):
    response = admin_client.get("/reports/new?source=gifts&gf=received&gb=")
    assert parse_qs(urlsplit(response.headers["Location"]).query)["g"] == ["received:month"]


def test_the_builder_starts_with_the_sources(app, admin_client):
    html = unescape(admin_client.get("/reports/new").get_data(as_text=True))
    for label in ("Contacts", "Gifts", "Soft credits", "Pledges", "Opportunities", "Greetings"):
        assert f">{label}</option>" in html
    assert 'id="report-result"' not in html


def test_the_index_before_anything_is_saved(app, admin_client):
    html = admin_client.get("/reports/").get_data(as_text=True)
    assert '<a class="button primary" href="/reports/new">Build a report</a>' in html
    assert "You have not saved a report yet." in html
    assert "No one has shared a report with your role yet." in html
