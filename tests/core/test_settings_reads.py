"""Runtime settings: every module's stored settings come from one query per request."""

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
