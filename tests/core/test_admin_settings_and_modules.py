"""Admin: organisation settings and the modules page."""

from __future__ import annotations

from markupsafe import escape

from app.extensions import db
from app.models import AuditEntry, Setting
from tests.conftest import login, make_user, post_form


def test_settings_are_saved_audited_and_shown_in_the_layout(app, admin_client):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert '<option value="Europe/Paris">' in page and 'value="USD"' in page
    response = post_form(admin_client, "/admin/settings", {
        "org_name": "Hillside School", "timezone": "Europe/Paris", "currency": "eur", "locale": "fr",
    })
    assert response.status_code == 303
    html = admin_client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert 'class="brand"' in html and "Hillside School</a>" in html
    with app.app_context():
        stored = {s.key: s.value for s in db.session.scalars(db.select(Setting).where(Setting.module == "core"))}
        assert stored == {"org_name": "Hillside School", "timezone": "Europe/Paris", "currency": "EUR",
                          "locale": "fr"}
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "core_setting"))
        assert entry.action == "update"
        assert entry.changes["timezone"] == ["UTC", "Europe/Paris"]
        assert entry.changes["currency"] == ["USD", "EUR"]


def test_settings_show_errors_next_to_fields(app, admin_client):
    response = post_form(admin_client, "/admin/settings", {
        "org_name": "", "timezone": "Mars/Olympus", "currency": "EURO", "locale": "xx",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your organisation&#39;s name." in html or "Enter your organisation's name." in html
    assert "EURO is not a currency code" in html and 'id="currency-error"' in html
    assert 'id="timezone-error"' in html and 'id="locale-error"' in html
    with app.app_context():
        assert db.session.scalar(db.select(Setting.key)) is None


def test_dates_are_shown_in_the_organisation_timezone(app, admin_client):
    post_form(admin_client, "/admin/settings", {
        "org_name": "Kiwi Trust", "timezone": "Pacific/Auckland", "currency": "NZD", "locale": "en",
    })
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "NZDT" in html or "NZST" in html


def test_modules_page_explains_how_to_enable_modules(app, admin_client):
    html = admin_client.get("/admin/modules").get_data(as_text=True)
    assert "STEWARD_MODULES" in html and "flask upgrade" in html and "restart" in html
    assert "Always on" in html and "admin.users" in html
    for name, module in app.extensions["steward"].installed.items():
        assert f"<code class=\"muted small\">{name}</code>" in html
        assert str(escape(module.title)) in html


def test_settings_and_modules_need_their_permissions(app, client):
    make_user(app)
    make_user(app, "m@example.org", "manager", "Manny")
    login(client, "m@example.org")
    assert client.get("/admin/settings").status_code == 403
    assert client.get("/admin/modules").status_code == 403
    with app.app_context():
        denied = db.session.scalars(db.select(AuditEntry.object_id).where(AuditEntry.action == "denied")).all()
        assert set(denied) == {"admin.settings", "admin.modules"}
