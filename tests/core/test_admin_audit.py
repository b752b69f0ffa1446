"""Admin: the audit log, its filters and its keyset pages."""

from __future__ import annotations

import re
from datetime import timedelta

from app import audit
from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow


def _entries(app, count, **fields):
    with app.app_context():
        for n in range(count):
            audit.record(fields.get("action", audit.UPDATE), object_type=fields.get("object_type", "thing"),
                         object_id=fields.get("object_id", n), summary=f"{fields.get('label', 'Entry')} {n:03}",
                         actor=fields.get("actor", "robot@example.org"), changes=fields.get("changes"))
        db.session.commit()


def _link(html, rel):
    match = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_newest_first_with_older_pages_by_keyset(app, admin_client):
    _entries(app, 120)
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert html.index("Entry 119") < html.index("Entry 118")
    assert "Entry 070" in html and "Entry 069" not in html
    older = _link(html, "next")
    assert "before=" in older and _link(html, "prev") is None
    second = admin_client.get(older).get_data(as_text=True)
    assert "Entry 069" in second and "Entry 020" in second and "Entry 019" not in second
    third = admin_client.get(_link(second, "next")).get_data(as_text=True)
    assert "Entry 000" in third and _link(third, "next") is None
    newer = admin_client.get(_link(third, "prev")).get_data(as_text=True)
    assert "Entry 069" in newer and "Entry 019" not in newer


def test_filters_narrow_the_results_and_keep_them_across_pages(app, admin_client):
    _entries(app, 3, action=audit.DELETE, label="Removed", actor="carol@example.org", object_type="contact")
    _entries(app, 60, action=audit.EXPORT, label="Exported", actor="dave@example.org", object_type="report")
    by_action = admin_client.get("/admin/audit?action=delete").get_data(as_text=True)
    assert "Removed 002" in by_action and "Exported" not in by_action
    by_actor = admin_client.get("/admin/audit?actor=DAVE").get_data(as_text=True)
    assert "Exported 059" in by_actor and "Removed" not in by_actor
    older = _link(by_actor, "next")
    assert "actor=DAVE" in older
    rest = admin_client.get(older).get_data(as_text=True)
    assert "Exported 000" in rest and "Removed" not in rest
    one = admin_client.get("/admin/audit?object_type=contact&object_id=1").get_data(as_text=True)
    assert "Removed 001" in one and "Removed 000" not in one and "Removed 002" not in one
    # A prefix search treats % and _ literally.
    assert "No entries match these filters." in admin_client.get("/admin/audit?actor=%25").get_data(as_text=True)


def test_date_filters(app, admin_client):
    _entries(app, 2, label="Recent")
    with app.app_context():
        old = AuditEntry(action="update", actor="x@example.org", summary="Ancient", at=utcnow() - timedelta(days=40))
        db.session.add(old)
        db.session.commit()
    today = utcnow().date()
    since = admin_client.get(f"/admin/audit?date_from={today - timedelta(days=1)}").get_data(as_text=True)
    assert "Recent 001" in since and "Ancient" not in since
    until = admin_client.get(f"/admin/audit?date_to={today - timedelta(days=30)}").get_data(as_text=True)
    assert "Ancient" in until and "Recent" not in until
    wrong = admin_client.get(f"/admin/audit?date_from={today}&date_to={today - timedelta(days=2)}")
    assert "Choose a day on or after the start day." in wrong.get_data(as_text=True)


def test_htmx_gets_only_the_results_and_changes_are_shown(app, admin_client):
    _entries(app, 1, label="Renamed", changes={"name": ("Old name", "New name"), "active": (True, False)})
    fragment = admin_client.get("/admin/audit?action=update", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="audit-results"') and "<html" not in html
    assert "Old name → New name" in html and "yes → no" in html
    assert "HX-Request" in fragment.headers["Vary"]
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert 'hx-get="/admin/audit"' in page and 'hx-target="#audit-results"' in page
    assert 'hx-push-url="true"' in page and '<button type="submit"' in page


def test_records_read_as_words_with_links_to_their_pages(app, admin_client):
    """Issue 16, part 6: "Gift #9" linked to the gift, not `pipeline_gift #9`;
    a table nobody named reads without its module prefix; changes that hold
    a mapping read as "name: value", not a Python dict."""
    from modules.contacts.people import records

    with app.app_context():
        contact = records.create("person", {"first_name": "Ada", "last_name": "Lovelace"}, None)
        db.session.flush()
        audit.record(audit.UPDATE, contact, summary="Renamed",
                     changes={"address": ({"city": "Leeds"}, {"city": "York", "postcode": "YO1"})})
        audit.record(audit.CREATE, object_type="pipeline_acknowledgement", object_id=9, summary="Thanked")
        audit.record(audit.CREATE, object_type="core_user", object_id=1, summary="Invited")
        db.session.commit()
        contact_id = contact.id
    html = admin_client.get("/admin/audit").get_data(as_text=True)

    assert f'<a href="/contacts/{contact_id}">Contact #{contact_id}</a>' in html
    assert "Acknowledgement #9" in html and "pipeline_acknowledgement #9" not in html
    assert '<a href="/admin/users/1">User #1</a>' in html
    assert "city: Leeds → city: York; postcode: YO1" in html and "{&#39;city&#39;" not in html
    # The filter offers the named kinds and still takes a raw table name from an old link.
    assert '<option value="pipeline_gift">Gift</option>' in html
    narrowed = admin_client.get("/admin/audit?object_type=pipeline_acknowledgement").get_data(as_text=True)
    assert "Thanked" in narrowed and "Invited" not in narrowed


def test_a_link_is_shown_only_to_those_who_may_follow_it(app, client):
    from app.models import Role, RolePermission
    from tests.conftest import login, make_user

    with app.app_context():
        role = Role(name="Auditor", description="Reads the audit log.")
        role.grants = [RolePermission(permission="admin.audit")]
        db.session.add(role)
        audit.record(audit.CREATE, object_type="pipeline_gift", object_id=42, summary="Recorded a gift",
                     actor="x@example.org")
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
    make_user(app, "auditor@example.org", role=role, name="Audra")
    login(client, "auditor@example.org")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Gift #42" in html and "/pipeline/gifts/42" not in html
