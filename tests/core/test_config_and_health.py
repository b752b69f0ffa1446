"""Configuration rules and the health endpoint."""

from __future__ import annotations

import pytest

from app import ConfigError, create_app
from tests.conftest import app_config
from tests.smtp import free_port


def test_development_generates_a_secret_key_once_and_reuses_it(tmp_path):
    first = create_app(app_config(tmp_path, SECRET_KEY=None))
    second = create_app(app_config(tmp_path, SECRET_KEY=None))
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 40


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError) as error:
        create_app(app_config(tmp_path, SECRET_KEY=None, STEWARD_ENV="production"))
    assert str(error.value) == (
        "steward: refusing to start in production without SECRET_KEY; set it to a long random string"
    )
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_with_debug_on(tmp_path):
    with pytest.raises(ConfigError, match="with debug on"):
        create_app(app_config(tmp_path, SECRET_KEY="x" * 50, STEWARD_ENV="production", DEBUG=True))


def test_an_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="development or production"):
        create_app(app_config(tmp_path, STEWARD_ENV="staging"))


def test_config_comes_from_the_environment(monkeypatch, tmp_path):
    from config import load_config

    monkeypatch.setenv("STEWARD_INSTANCE", str(tmp_path))
    monkeypatch.setenv("STEWARD_MODULES", "contacts, pipeline")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal/steward")
    config = load_config()
    assert config["STEWARD_MODULES"] == ["contacts", "pipeline"]
    assert config["MAIL_PORT"] == 2525
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://u:p@db.internal/steward"
    assert config["INSTANCE_PATH"] == str(tmp_path)


def test_healthz_reports_database_redis_and_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}


def test_healthz_is_503_when_redis_is_down(tmp_path):
    app = create_app(app_config(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"].startswith("error") and response.json["status"] == "error"


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    app = create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"].startswith("error") and response.json["redis"] == "ok"
