"""Steward's core: the application factory."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from config import BASE_DIR, load_config

if TYPE_CHECKING:
    from flask import Flask


class ConfigError(SystemExit):
    """A configuration that must not start; the message is one line."""


def _secret_key(config: dict) -> str:
    if config["SECRET_KEY"]:
        return config["SECRET_KEY"]
    if config["STEWARD_ENV"] == "production":
        raise ConfigError(
            "steward: refusing to start in production without SECRET_KEY; "
            "set it to a long random string"
        )
    key_file = Path(config["INSTANCE_PATH"]) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _check_environment(config: dict) -> None:
    if config["STEWARD_ENV"] not in {"development", "production"}:
        raise ConfigError(
            f"steward: STEWARD_ENV must be development or production, not "
            f"{config['STEWARD_ENV']!r}"
        )
    if config["STEWARD_ENV"] == "production" and config["DEBUG"]:
        raise ConfigError("steward: refusing to start in production with debug on; unset FLASK_DEBUG")


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config()
    config.update(overrides or {})
    _check_environment(config)
    Path(config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    config["SECRET_KEY"] = _secret_key(config)
    from app import links

    config["BASE_URL"] = links.base_url(config)
    config["TRUSTED_HOSTS"] = links.trusted_hosts(config)
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = config["STEWARD_ENV"] == "production"

    from flask import Flask  # here, not at the top: app/rq_worker.py imports this package without Flask

    app = Flask(
        __name__,
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.update(config)
    app.config["PERMANENT_SESSION_LIFETIME"] = config["REMEMBER_DAYS"] * 86400
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # tokens live as long as the session

    from app.boot import boot

    boot(app)
    if config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
