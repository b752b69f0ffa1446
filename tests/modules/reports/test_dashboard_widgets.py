"""Report dashboards: add, reorder and remove widgets with plain forms; a
role's dashboard composed by an admin and seen by the role; each widget's
content (chart or top rows) is cached per report definition and role."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Role
from modules.reports import saved, widgets
from modules.reports.models import DashboardWidget, SavedReport
from tests.conftest import csrf_from, login, make_user
from tests.modules.reports import data

CHART = {"source": "gifts", "g": ["received:fiscal"], "m": ["sum:amount"], "chart": "bar"}
ROWS = {"source": "gifts", "col": ["donor", "amount", "received"], "sort": ["received"]}


@pytest.fixture
def reports(app, admin):
    with app.app_context():
        data.build()
        admin = db.session.merge(admin)
        staff = db.session.scalar(select(Role.id).where(Role.key == "staff"))
        chart = saved.create("Giving by year", "", (staff,), "gifts", CHART, admin)
        rows = saved.create("Recent gifts", "", (staff,), "gifts", ROWS, admin)
        db.session.commit()
        return {"chart": chart.id, "rows": rows.id, "staff_role": staff}


def order(app, **owner) -> list[str]:
    with app.app_context():
        return [w.report.name for w in widgets.owned_by(**owner)]


def test_add_reorder_remove_with_plain_forms(app, admin_client, admin, reports):
    token = csrf_from(admin_client, "/reports/dashboard")
    for report, show in ((reports["chart"], "chart"), (reports["rows"], "rows")):
        response = admin_client.post("/reports/dashboard/widgets",
                                     data={"csrf_token": token, "report_id": report, "show": show})
        assert response.status_code == 303 and response.headers["Location"].endswith("/reports/dashboard")
    admin_id = admin.id
    assert order(app, user_id=admin_id) == ["Giving by year", "Recent gifts"]
    with app.app_context():
        second = widgets.owned_by(user_id=admin_id)[1].id
    admin_client.post(f"/reports/dashboard/widgets/{second}/move", data={"csrf_token": token, "direction": "up"})
    assert order(app, user_id=admin_id) == ["Recent gifts", "Giving by year"]
    page = unescape(admin_client.get("/reports/dashboard").get_data(as_text=True))
    listed = page[page.index('id="own-widgets"'):page.index('id="add-widget"')]
    assert listed.index("Recent gifts") < listed.index("Giving by year")
    # Lazy: the page holds a link and an hx-get per widget, not the report's numbers.
    assert f'hx-get="/reports/dashboard/widgets/{second}"' in page and "275.00" not in page
    assert 'Show the top rows of “Recent gifts”' in page
    admin_client.post(f"/reports/dashboard/widgets/{second}/remove", data={"csrf_token": token})
    assert order(app, user_id=admin_id) == ["Giving by year"]


def test_widget_content_chart_or_top_rows_fragment_and_page(app, admin_client, admin, reports):
    with app.app_context():
        chart = widgets.add(reports["chart"], "chart", user_id=admin.id)
        rows = widgets.add(reports["rows"], "rows", user_id=admin.id)
        db.session.commit()
        chart_id, rows_id = chart.id, rows.id
    fragment = admin_client.get(f"/reports/dashboard/widgets/{chart_id}", headers={"HX-Request": "true"})
    body = unescape(fragment.get_data(as_text=True))
    assert "<html" not in body and '<svg class="rp-svg"' in body and "275.00" in body
    assert "HX-Request" in fragment.headers["Vary"]
    full = unescape(admin_client.get(f"/reports/dashboard/widgets/{rows_id}").get_data(as_text=True))
    assert "<html" in full and "<h1>Recent gifts</h1>" in full
    assert full.count("<tr>") == 1 + 6  # header and the six gifts (fewer than the widget's limit)


def test_widgets_are_cached_per_definition_and_role(app, admin_client, admin, reports, monkeypatch):
    with app.app_context():
        widget = widgets.add(reports["rows"], "rows", user_id=admin.id)
        db.session.commit()
        widget_id = widget.id
    monkeypatch.setattr(widgets, "WIDGET_ROWS", 2)
    url = f"/reports/dashboard/widgets/{widget_id}"
    first = admin_client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert first.count("<tr>") == 3 and "The first 2 rows" in first
    calls = []
    import modules.reports.evaluate as evaluate_module
    real = evaluate_module.evaluate
    monkeypatch.setattr(evaluate_module, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert admin_client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True) == first
    assert calls == []  # from the cache
    with app.app_context():
        report = db.session.get(SavedReport, reports["rows"])
        report.spec = {**ROWS, "sort": ["-received"]}  # a new definition: a new key
        db.session.commit()
    changed = admin_client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert calls == [1] and changed != first


def test_role_dashboard_composed_by_admin_seen_by_the_role(app, admin_client, reports):
    staff = reports["staff_role"]
    token = csrf_from(admin_client, f"/reports/dashboard/roles/{staff}")
    response = admin_client.post("/reports/dashboard/widgets", data={
        "csrf_token": token, "report_id": reports["chart"], "show": "chart", "role_id": staff})
    assert response.headers["Location"].endswith(f"/reports/dashboard/roles/{staff}")
    assert order(app, role_id=staff) == ["Giving by year"]
    with app.app_context():
        make_user(app, email="sam@example.org", role_key="staff", name="Sam Staff")
        widget_id = db.session.scalar(select(DashboardWidget.id))
    client = app.test_client()
    login(client, "sam@example.org")
    page = unescape(client.get("/reports/dashboard").get_data(as_text=True))
    assert "For everyone in your role" in page and "Giving by year" in page
    assert f"/reports/dashboard/widgets/{widget_id}/remove" not in page  # not theirs to change
    token = csrf_from(client, "/reports/dashboard")
    assert client.post(f"/reports/dashboard/widgets/{widget_id}/remove",
                       data={"csrf_token": token}).status_code == 403
    assert client.post("/reports/dashboard/widgets", data={
        "csrf_token": token, "report_id": reports["chart"], "role_id": staff}).status_code == 403
    assert client.get(f"/reports/dashboard/roles/{staff}").status_code == 403
    assert "275.00" in client.get(f"/reports/dashboard/widgets/{widget_id}").get_data(as_text=True)
    assert order(app, role_id=staff) == ["Giving by year"]
