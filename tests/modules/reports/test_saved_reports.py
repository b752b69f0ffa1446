"""Saved reports: save from the builder with a name and description, share
with roles or keep private, open, rename and re-share (an edit that never
loses an edit), duplicate, delete with confirmation; each change audited."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Role
from modules.reports.models import SavedReport
from tests.conftest import csrf_from, login, make_user, post_form
from tests.forms import form_data
from tests.modules.reports import data
from tests.two_editors import both_open, two_editors

SPEC = "source=gifts&g=received:fiscal&m=sum:amount&chart=bar"


@pytest.fixture
def ids(app):
    with app.app_context():
        return data.build()


def role_id(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Role.id).where(Role.key == key))


def save(client, name: str, roles=(), spec: str = SPEC, **extra):
    page = client.get(f"/reports/save?{spec}")
    assert page.status_code == 200
    fields = form_data(page.get_data(as_text=True), "/reports/save")
    fields.setlist("roles", [str(r) for r in roles])
    fields["name"], fields["description"] = name, extra.get("description", "")
    return client.post("/reports/save", data=fields)


def stored(app) -> list[tuple]:
    with app.app_context():
        return [(r.name, r.description, r.source, r.spec, r.role_ids)
                for r in db.session.scalars(select(SavedReport).order_by(SavedReport.id))]


def test_save_a_report_and_open_it(app, admin_client, ids):
    response = save(admin_client, "Giving by fiscal year", description="For the board")
    assert response.status_code == 303
    [(name, description, source, spec, roles)] = stored(app)
    assert (name, description, source, roles) == ("Giving by fiscal year", "For the board", "gifts", [])
    assert spec == {"source": "gifts", "g": ["received:fiscal"], "m": ["sum:amount"], "chart": "bar"}
    report = admin_client.get(response.headers["Location"])
    html = unescape(report.get_data(as_text=True))
    assert "<h1>Giving by fiscal year</h1>" in html and "For the board" in html and "private" in html
    assert "FY 2024–25" in html and "275.00" in html
    assert '<svg class="rp-svg"' in html
    # The chart's numbers are shown once: the report's own table, captioned for the chart.
    result = html.split('id="report-result"')[1]
    assert result.count("The numbers in the chart") == 1 and result.count("<table") == 1
    index = unescape(admin_client.get("/reports/").get_data(as_text=True))
    assert "Giving by fiscal year" in index.split("My reports")[1].split("Shared with me")[0]


def test_shared_with_a_role_private_otherwise(app, admin_client, ids):
    save(admin_client, "Shared with staff", roles=[role_id(app, "staff")])
    save(admin_client, "Mine alone")
    with app.app_context():
        shared_id, private_id = [r.id for r in db.session.scalars(select(SavedReport).order_by(SavedReport.id))]
    make_user(app, "staff@example.org", "staff", "Stu Staff")
    from tests.modules.reports.test_builder_errors import custom_role

    make_user(app, "fund@example.org", name="Fay Fundraiser", role=custom_role(
        app, "Fundraiser", ("core.dashboard", "contacts.view", "giving.view", "reports.view")))
    staff, manager = app.test_client(), app.test_client()
    login(staff, "staff@example.org")
    login(manager, "fund@example.org")
    index = staff.get("/reports/").get_data(as_text=True)
    assert "Shared with staff" in index.split("Shared with me")[1] and "Mine alone" not in index
    assert staff.get(f"/reports/{shared_id}").status_code == 200
    assert staff.get(f"/reports/{private_id}").status_code == 404
    assert manager.get(f"/reports/{shared_id}").status_code == 404  # another role
    assert "Shared with staff" not in manager.get("/reports/").get_data(as_text=True)
    # Seeing a shared report does not make it theirs to change or delete.
    assert staff.get(f"/reports/{shared_id}/edit").status_code == 403
    assert post_form(staff, f"/reports/{shared_id}/delete", {}, page="/reports/").status_code == 403
    assert len(stored(app)) == 2
    # An administrator manages every report: others' private ones are listed apart.
    make_user(app, "chief@example.org", "admin", "Chief")
    chief = app.test_client()
    login(chief, "chief@example.org")
    index = chief.get("/reports/").get_data(as_text=True)
    assert "Mine alone" in index.split("Everyone else's reports")[1]
    assert "Shared with staff" in index.split("Everyone else's reports")[1]


def test_rename_and_share_later_and_replace_the_query(app, admin_client, ids):
    save(admin_client, "Draft")
    with app.app_context():
        report_id = db.session.scalar(select(SavedReport.id))
    fields = form_data(admin_client.get(f"/reports/{report_id}/edit").get_data(as_text=True),
                       f"/reports/{report_id}/edit")
    fields["name"] = "Giving by fund"
    fields.setlist("roles", [str(role_id(app, "manager"))])
    assert admin_client.post(f"/reports/{report_id}/edit", data=fields).status_code == 303
    # From the builder: "Save changes to" replaces the query, keeps name and sharing.
    url = f"/reports/{report_id}/edit?replace=1&source=gifts&g=fund&m=count"
    fields = form_data(admin_client.get(url).get_data(as_text=True), f"/reports/{report_id}/edit")
    assert admin_client.post(f"/reports/{report_id}/edit", data=fields).status_code == 303
    [(name, _, _, spec, roles)] = stored(app)
    assert (name, roles) == ("Giving by fund", [role_id(app, "manager")])
    assert spec == {"source": "gifts", "g": ["fund"], "m": ["count"]}
    with app.app_context():
        changes = [e.changes for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "reports_report", AuditEntry.action == "update")
            .order_by(AuditEntry.id))]
    assert changes[0]["name"] == ["Draft", "Giving by fund"] and changes[0]["roles"] == [[], [role_id(app, "manager")]]
    assert set(changes[1]) == {"spec"}


def test_two_people_renaming_at_once_lose_nothing(app, ids):
    ada, sam = two_editors(app)
    save(ada, "Board report")
    with app.app_context():
        report_id = db.session.scalar(select(SavedReport.id))
    url = f"/reports/{report_id}/edit"
    mine, theirs = both_open(ada, sam, url)
    theirs["name"] = "Sam's name"
    assert sam.post(url, data=theirs).status_code == 303
    mine["name"] = "Ada's name"
    mine["description"] = "Ada's description"
    clash = ada.post(url, data=mine)
    assert clash.status_code == 409
    assert "Sam&#39;s name" in clash.get_data(as_text=True) or "Sam's name" in unescape(clash.get_data(as_text=True))
    assert stored(app)[0][:2] == ("Sam's name", "")  # nothing overwritten


def test_duplicate_makes_a_private_copy(app, admin_client, ids):
    save(admin_client, "Original", roles=[role_id(app, "staff")])
    with app.app_context():
        report_id = db.session.scalar(select(SavedReport.id))
    response = post_form(admin_client, f"/reports/{report_id}/duplicate", {}, page=f"/reports/{report_id}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/edit")
    (n1, _, _, spec1, roles1), (n2, _, _, spec2, roles2) = stored(app)
    assert (n1, n2) == ("Original", "Copy of Original")
    assert spec1 == spec2 and roles1 == [role_id(app, "staff")] and roles2 == []


def test_delete_asks_first(app, admin_client, ids):
    save(admin_client, "Old report")
    with app.app_context():
        report_id = db.session.scalar(select(SavedReport.id))
    question = unescape(admin_client.get(f"/reports/{report_id}/delete").get_data(as_text=True))
    assert "Delete the report “Old report”?" in question
    assert len(stored(app)) == 1
    response = admin_client.post(f"/reports/{report_id}/delete",
                                 data={"csrf_token": csrf_from(admin_client, f"/reports/{report_id}/delete")})
    assert response.status_code == 303
    assert stored(app) == []
    with app.app_context():
        deleted = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "delete")).all()
    assert "Deleted the report “Old report”" in deleted


def test_drill_links_only_where_the_reader_may_follow_them(app, admin_client, ids):
    """A reader with reports.view alone sees a shared report's numbers, not links into the builder."""
    from steward_hello.models import Greeting

    from tests.modules.reports.test_builder_errors import custom_role

    with app.app_context():
        db.session.add_all(Greeting(text=t) for t in ("Hello", "Hi"))
        db.session.commit()
    role = custom_role(app, "Readers", ("core.dashboard", "reports.view", "hello.view"))
    save(admin_client, "Greetings", roles=[role.id], spec="source=greetings&g=text")
    make_user(app, "reader@example.org", name="Rae Reader", role=role)
    reader = app.test_client()
    login(reader, "reader@example.org")
    with app.app_context():
        report_id = db.session.scalar(select(SavedReport.id))
    html = reader.get(f"/reports/{report_id}").get_data(as_text=True)
    assert '<td class="num">1</td>' in html and "/reports/new?" not in html
    assert '<td class="num"><a href="/reports/new?' in admin_client.get(f"/reports/{report_id}").get_data(as_text=True)
