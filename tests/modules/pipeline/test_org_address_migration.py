"""pipeline_0009 moves the receipts' postal address to the core setting
Admin → Organisation edits, so a letterhead set up before keeps printing it."""

from __future__ import annotations

from sqlalchemy import text

from app import create_app, settings
from app.extensions import db
from tests.conftest import app_config


def test_the_stored_address_moves_to_the_core(app, tmp_path):
    # A SQLite file of its own at the revision before (as test_gift_rollup's migration test).
    old = create_app(app_config(tmp_path, STEWARD_MODULES=["contacts", "pipeline"],
                                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
                                REDIS_URL=app.extensions["steward"].redis_url))
    result = old.test_cli_runner().invoke(args=["db", "upgrade", "pipeline_0008"])
    assert result.exit_code == 0, result.output
    with old.app_context():
        db.session.execute(text("INSERT INTO core_setting (module, key, value) VALUES "
                                "('pipeline', 'receipts_org_address', :v), ('pipeline', 'receipts_signature', :s)"),
                           {"v": '"12 Mill Lane\\nRiverside"', "s": '"Jo Smith"'})
        db.session.commit()
    result = old.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with old.test_request_context():
        rows = db.session.execute(text("SELECT module, key FROM core_setting ORDER BY module, key")).all()
        assert [tuple(r) for r in rows] == [("core", "postal_address"), ("pipeline", "receipts_signature")]
        assert settings.get("core", "postal_address") == "12 Mill Lane\nRiverside"
        from modules.pipeline.receipts import options

        assert options.org_address_lines() == ["12 Mill Lane", "Riverside"]
        db.session.remove()
        db.engine.dispose()
