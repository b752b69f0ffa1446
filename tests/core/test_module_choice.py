"""Admin → Modules: an administrator chooses which modules are enabled
(issue 16, part 6). The choice is stored, applies at the next start, keeps
the data of a module switched off, and STEWARD_MODULES, where set, wins."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from app.models import Role, RolePermission, Setting
from modules.contacts.models import Contact
from modules.contacts.people import records
from tests.conftest import app_config, login, make_user, post_form


def _next_start(app, tmp_path, **config):
    """The app as it would boot now on the same database (a restart)."""
    other = create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                                  REDIS_URL=app.extensions["steward"].redis_url, **config))
    return other


def _enabled(app) -> list[str]:
    return [m.name for m in app.extensions["steward"].enabled]


@pytest.fixture
def restarts(app, tmp_path):
    started = []

    def start(**config):
        started.append(_next_start(app, tmp_path / str(len(started)), **config))
        return started[-1]

    yield start
    for other in started:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _stored(app):
    with app.app_context():
        return db.session.scalar(db.select(Setting.value).where(Setting.key == "enabled_modules"))


def test_switching_a_module_off_applies_at_the_next_start_and_keeps_its_data(app, admin_client, restarts,
                                                                              monkeypatch):
    monkeypatch.delenv("STEWARD_MODULES", raising=False)
    installed = sorted(app.extensions["steward"].installed)
    assert {"contacts", "pipeline"} <= set(installed)
    with app.app_context():
        records.create("person", {"first_name": "Kept", "last_name": "Safe"}, None)
        db.session.commit()

    keep = [name for name in installed if name != "pipeline"]
    saved = post_form(admin_client, "/admin/modules", {"module": keep}, follow_redirects=True)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert "Waiting for a restart" in html and "applies when Steward next starts" in html
    assert "pipeline" in _enabled(app)  # this process goes on as it started
    assert _stored(app) == keep

    restarted = restarts()
    assert "pipeline" not in _enabled(restarted) and "contacts" in _enabled(restarted)
    assert not any(rule.rule.startswith("/pipeline") for rule in restarted.url_map.iter_rules())
    with restarted.app_context():
        assert db.session.scalar(db.select(db.func.count(Contact.id))) == 1

    post_form(admin_client, "/admin/modules", {"module": installed})
    assert "pipeline" in _enabled(restarts())


def test_a_module_needs_what_it_requires(app, admin_client):
    installed = set(app.extensions["steward"].installed)
    response = post_form(admin_client, "/admin/modules", {"module": sorted(installed - {"contacts"})})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="module-pipeline-error"' in html and "Pipeline &amp; giving needs Contacts" in html
    assert _stored(app) is None


def test_steward_modules_in_the_configuration_wins(app, admin_client, restarts, monkeypatch):
    post_form(admin_client, "/admin/modules", {"module": ["contacts"]})
    assert _stored(app) == ["contacts"]
    restarted = restarts(STEWARD_MODULES=["contacts", "pipeline"])
    assert _enabled(restarted) == ["core", "contacts", "pipeline"]

    app.config["STEWARD_MODULES"] = ["contacts", "pipeline"]
    try:
        page = admin_client.get("/admin/modules").get_data(as_text=True)
        assert "it wins over a choice made here" in page and "Save the choice" not in page
        refused = post_form(admin_client, "/admin/modules", {"module": ["contacts"]}, follow_redirects=True)
        assert "STEWARD_MODULES is set in the server&#39;s configuration" in refused.get_data(as_text=True)
    finally:
        app.config["STEWARD_MODULES"] = None


def test_seeing_the_modules_is_not_choosing_them(app, client):
    with app.app_context():
        role = Role(name="Observer", description="Sees the set-up.")
        role.grants = [RolePermission(permission="admin.modules")]
        db.session.add(role)
        db.session.commit()
        db.session.refresh(role)
        db.session.expunge(role)
    make_user(app)
    make_user(app, "o@example.org", role=role, name="Olu")
    login(client, "o@example.org")
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "Save the choice" not in page and "disabled" in page
    assert post_form(client, "/admin/modules", {"module": ["contacts"]}).status_code == 403
    assert _stored(app) is None
