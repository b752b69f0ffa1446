"""Rate limits shared by every process through Redis (Flask-Limiter): the
"forgot password" form. Sign-in has its own limits (app/auth/signin_limits.py)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.redis_conn import QUICK_OPTIONS, limiter_uri

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def init_app(app, state) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = limiter_uri(state.redis_url)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = QUICK_OPTIONS
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "steward")
    limiter.init_app(app)
