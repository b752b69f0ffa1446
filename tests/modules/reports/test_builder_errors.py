"""Bad input to the builder: a clear message, the rest of the report kept,
nothing run or saved. Forged source and field names, a group-by the source
does not allow, a filter value of the wrong type, a role without the
source's permission; and a query over its time budget is stopped."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditEntry
from modules.reports.budget import OverBudget, budget
from modules.reports.models import SavedReport
from tests.conftest import login, make_user, post_form
from tests.modules.reports import data


@pytest.fixture
def ids(app):
    with app.app_context():
        return data.build()


def page(client, url):
    response = client.get(url)
    return response.status_code, unescape(response.get_data(as_text=True))


def problems(html: str) -> list[str]:
    block = re.search(r'<div class="form-alert rp-problems" role="alert".*?</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(0)) if block else []


def selected(html: str, name: str) -> list[str]:
    found = []
    for select_html in re.findall(rf'<select[^>]*name="{name}".*?</select>', html, re.S):
        found += re.findall(r'<option value="([^"]*)" selected>', select_html)
    return found


def custom_role(app, name: str, grants):
    from app.models import Role, RolePermission

    with app.app_context():
        role = Role(name=name, description="")
        role.grants = [RolePermission(permission=p) for p in grants]
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
        return role


def test_a_forged_source_name(app, admin_client):
    status, html = page(admin_client, "/reports/new?source=users%3Bdrop&g=fund")
    assert status == 404
    assert problems(html) == ["There is no report source called “users;drop”."]


def test_a_forged_column_name_is_named_and_the_rest_kept(app, admin_client, ids):
    status, html = page(admin_client, "/reports/new?source=gifts&col=amount&col=password_hash&w=amount:gt:10")
    assert status == 422
    assert problems(html) == ["There is no column called “password_hash” in Gifts; it is left out."]
    assert 'value="amount" class="rp-redraw" checked' in html  # the good column is still ticked
    assert selected(html, "wk") == ["amount"] and 'name="wv" value="10"' in html
    assert 'id="report-result"' not in html  # not run


def test_a_group_by_on_a_field_that_cannot_be_grouped(app, admin_client, ids):
    status, html = page(admin_client, "/reports/new?source=gifts&g=reference&g=received:fiscal&m=sum:amount")
    assert status == 422
    assert problems(html) == ["Reference cannot be grouped by."]
    assert selected(html, "gf")[0] == "received" and selected(html, "gb") == ["fiscal"]
    assert "amount" in selected(html, "mf")
    status, html = page(admin_client, "/reports/new?source=gifts&g=fund:fiscal")
    assert status == 422 and problems(html) == ["Fund is not a date: it is grouped by its values, not by “fiscal”."]
    status, html = page(admin_client, "/reports/new?source=gifts&m=sum:donor")
    assert status == 422 and problems(html) == ["Donor cannot be added up."]


def test_a_filter_value_of_the_wrong_type(app, admin_client, ids):
    status, html = page(admin_client, "/reports/new?source=gifts&g=fund&w=amount:gt:lots&w=received:after:2024-13-45")
    assert status == 422
    assert problems(html) == ["Amount: “lots” is not a number.",
                              "Received on: “2024-13-45” is not a date (YYYY-MM-DD)."]
    # What was typed stays in the form, marked, to be put right.
    assert re.search(r'name="wv" value="lots" inputmode="decimal" aria-invalid="true"', html)
    assert 'value="2024-13-45"' in html
    status, html = page(admin_client, "/reports/new?source=gifts&g=fund&w=fund:is:Nowhere")
    assert status == 422 and problems(html) == ["Fund: “Nowhere” is not one of the choices."]
    status, html = page(admin_client, "/reports/new?source=gifts&g=fund&w=amount:drop:1")
    assert status == 422 and problems(html) == ["Amount: “drop” is not a condition for Amount."]


def test_a_contact_filter_that_cannot_be_read(app, admin_client, ids):
    status, html = page(admin_client, "/reports/new?source=gifts&g=fund&f=nonsense:is:1")
    assert status == 422
    assert problems(html) == ["Contact filter: There is no filter called “nonsense” (any more); this rule is ignored."]


def test_a_role_without_the_sources_permission(app, ids):
    make_user(app, "vol@example.org", role=custom_role(app, "Front desk", ("core.dashboard", "contacts.view",
                                                                         "reports.view", "reports.build")))
    client = app.test_client()
    login(client, "vol@example.org")
    status, html = page(client, "/reports/new?source=gifts&g=received:fiscal&m=sum:amount")
    assert status == 403
    assert problems(html) == ["Your role does not allow reports on Gifts."]
    assert "FY 2024" not in html
    _, builder = page(client, "/reports/new")
    assert 'value="contacts"' in builder and 'value="gifts"' not in builder  # offered only what they may see
    status, _ = page(client, "/reports/export.csv?source=gifts&g=fund")
    assert status == 403
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "denied")).all()
    assert "A report on Gifts needs giving.view" in denied


def test_a_report_with_problems_is_not_saved(app, admin_client, ids):
    response = post_form(admin_client, "/reports/save",
                         {"source": "gifts", "g": "reference", "name": "Broken", "roles": []},
                         page="/reports/new")
    assert response.status_code == 422
    assert "Reference cannot be grouped by." in unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedReport)) == 0


SLOW = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
        "SELECT count(*) FROM n")


def test_the_time_budget_stops_a_slow_query(app):
    with app.app_context():
        with pytest.raises(OverBudget) as stopped:
            with budget(0.2):
                db.session.execute(text(SLOW)).scalar()
        assert "took longer than 0.2 seconds and was stopped" in str(stopped.value)
        # The connection is usable afterwards, without the budget.
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_a_report_over_its_budget_says_so(app, admin_client):
    from steward_hello.models import Greeting

    with app.app_context():
        db.session.execute(text(
            "INSERT INTO hello_greeting (text, created_at) "
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000) "
            "SELECT 'hello ' || i, CURRENT_TIMESTAMP FROM n"))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Greeting)) == 60000
    app.config["REPORTS_QUERY_SECONDS"] = 0.001
    try:
        status, html = page(admin_client, "/reports/new?source=greetings&g=text&m=distinct:greeting_id")
    finally:
        app.config.pop("REPORTS_QUERY_SECONDS")
    assert status == 200
    assert "The report took longer than 0.001 seconds and was stopped." in html
    assert "hello 1" not in html
