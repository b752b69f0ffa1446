"""Rate limits shared by every process through Redis (Flask-Limiter)."""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.redis_conn import limiter_uri

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def init_app(app, state) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = limiter_uri(state.redis_url)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "steward")
    limiter.init_app(app)


def _failed_login(_response) -> bool:
    return bool(g.get("login_failed"))


def _account_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


# Only failed sign-ins count: per client address and per account.
login_ip_limit = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_IP"], methods=["POST"], deduct_when=_failed_login,
    scope="login-ip",
)
login_account_limit = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"], key_func=_account_key, methods=["POST"],
    deduct_when=_failed_login, scope="login-account",
)
