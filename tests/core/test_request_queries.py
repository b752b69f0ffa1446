"""What every request reads: the session, the user and role in one query (a
built-in role's grants are not loaded), every module's settings in one."""

from __future__ import annotations

from app import settings
from app.extensions import db
from tests.conftest import counted_queries


def test_settings_of_several_modules_take_one_query_and_see_changes(app):
    with app.test_request_context():
        settings.put("contacts", {"default_country": "GB"})
        db.session.commit()
    with app.test_request_context(), counted_queries(app) as statements:
        core, contacts = settings.get_all("core"), settings.get_all("contacts")
        assert settings.get("contacts", "default_country") == "GB"
        assert "org_name" in core and "default_country" in contacts
        assert len(statements) == 1
        settings.put("contacts", {"default_country": "FR"})
        assert settings.get("contacts", "default_country") == "FR"
        db.session.rollback()


def test_a_signed_in_request_reads_the_session_user_and_role_in_one_query(app, admin_client):
    with counted_queries(app) as statements:
        assert admin_client.get("/account").status_code == 200
    assert any("core_user_session" in s and "core_role" in s for s in statements)
    assert not any("core_role_permission" in s for s in statements)
