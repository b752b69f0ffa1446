"""Configuration read from the environment (and an optional `.env` file).

Every setting has a default that suits development on one machine; the README
lists them. `load_config()` returns a plain dict that `create_app` applies.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE = BASE_DIR / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return int(value) if value not in (None, "") else default


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _allowance(name: str, value: str | None, default: int) -> int:
    """A sign-in limit's allowance: a whole number of failed sign-ins. The
    leading number of the older "5 per 15 minutes" form is read the same way."""
    if value in (None, ""):
        return default
    match = re.match(r"\s*(\d+)\s*(?:per\b.*)?$", value)
    if not match or int(match.group(1)) < 1:
        from app import ConfigError

        raise ConfigError(f"steward: {name} must be a whole number of failed sign-ins (1 or more), not {value!r}")
    return int(match.group(1))


def load_config(instance_path: Path | None = None) -> dict:
    """Read configuration from the process environment.

    `.env` in the working directory is read first; real environment variables
    win over it.
    """
    load_dotenv(BASE_DIR / ".env", override=False)
    env = os.environ
    instance = Path(env.get("STEWARD_INSTANCE", instance_path or DEFAULT_INSTANCE)).resolve()
    steward_env = env.get("STEWARD_ENV", "development").strip().lower()
    modules = env.get("STEWARD_MODULES")
    return {
        "STEWARD_ENV": steward_env,
        "INSTANCE_PATH": str(instance),
        "DEBUG": _bool(env.get("FLASK_DEBUG"), False),
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance / 'steward.db'}",
        "REDIS_URL": env.get("REDIS_URL") or None,
        "STEWARD_MODULES": [m.strip() for m in modules.split(",") if m.strip()]
        if modules is not None and modules.strip()
        else None,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env.get("MAIL_PORT"), 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "steward@localhost"),
        "MAIL_DOMAIN": env.get("MAIL_DOMAIN") or None,
        # Delivery is off when MAIL_SERVER is unset; never silently drop mail otherwise.
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_MAX_ATTEMPTS": _int(env.get("MAIL_MAX_ATTEMPTS"), 8),
        # The address people open Steward at: every link in mail is built from
        # it (app/links.py). Required in production; development uses HOST/PORT.
        "BASE_URL": env.get("BASE_URL") or None,
        # Extra host names requests may use besides BASE_URL's and localhost.
        "TRUSTED_HOSTS": _list(env.get("TRUSTED_HOSTS")),
        # Where `make run` serves (app/devserver.py).
        "HOST": env.get("HOST") or "127.0.0.1",
        "PORT": _int(env.get("PORT"), 5000),
        # How many reverse proxies (nginx) sit in front; their X-Forwarded-*
        # headers are trusted for the client address and scheme.
        "PROXY_HOPS": _int(env.get("PROXY_HOPS"), 0),
        "SESSION_IDLE_MINUTES": _int(env.get("SESSION_IDLE_MINUTES"), 60),
        "REMEMBER_DAYS": _int(env.get("REMEMBER_DAYS"), 30),
        # Failed sign-ins allowed before each sign-in limit starts to make
        # people wait (app/auth/signin_limits.py, docs/admin.md).
        "LOGIN_LIMIT_PAIR": _allowance("LOGIN_LIMIT_PAIR", env.get("LOGIN_LIMIT_PAIR"), 5),
        "LOGIN_LIMIT_IP": _allowance("LOGIN_LIMIT_IP", env.get("LOGIN_LIMIT_IP"), 50),
        "LOGIN_LIMIT_ACCOUNT": _allowance("LOGIN_LIMIT_ACCOUNT", env.get("LOGIN_LIMIT_ACCOUNT"), 10),
        # None: Secure in production only (decided in create_app).
        "SESSION_COOKIE_SECURE": _bool(env["SESSION_COOKIE_SECURE"]) if env.get("SESSION_COOKIE_SECURE") else None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": _int(env.get("MAX_UPLOAD_MB"), 20) * 1024 * 1024,
        # Data rows an imported file (contacts, gifts) may hold; a bigger one
        # is refused with the advice to split it.
        "IMPORT_MAX_ROWS": _int(env.get("IMPORT_MAX_ROWS"), 1_000_000),
        # Requests an API token may make (app/api/limits.py), as Flask-Limiter
        # writes a limit: "600/minute", "10000/hour".
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "600/minute",
        # Seconds without a job after which the RQ worker drops the app it
        # loaded for its jobs and waits light again (0: keep it; app/rq_worker.py).
        "WORKER_IDLE_RELOAD": _int(env.get("WORKER_IDLE_RELOAD"), 300),
        # `flask backup` (app/backups/): where it writes (None: instance/backups),
        # how many it keeps and for how many days (0: no limit of that kind).
        "BACKUP_DIR": env.get("BACKUP_DIR") or None,
        "BACKUP_KEEP": _int(env.get("BACKUP_KEEP"), 14),
        "BACKUP_KEEP_DAYS": _int(env.get("BACKUP_KEEP_DAYS"), 0),
        # Limits of templates users write (letters, emails); None: the default
        # in app/templating/limits.py (100,000 items, 2 seconds, 256 MB).
        "TEMPLATE_WORK_LIMIT": _int(env.get("TEMPLATE_WORK_LIMIT"), None),
        "TEMPLATE_SECONDS": _int(env.get("TEMPLATE_SECONDS"), None),
        "TEMPLATE_MEMORY_MB": _int(env.get("TEMPLATE_MEMORY_MB"), None),
        # Seconds between a worker's heartbeats, and without one after which
        # its worker counts as gone: its running jobs are interrupted (and
        # resumed) and /healthz answers 503 while jobs wait (app/heartbeat.py).
        "WORKER_HEARTBEAT": max(1, _int(env.get("WORKER_HEARTBEAT"), 15)),
        "WORKER_LOST_AFTER": max(2, _int(env.get("WORKER_LOST_AFTER"), 60)),
        # Inbound mail (app/intake/): the largest message read, and the days
        # the content of a handled message is kept (for "read it again").
        "INTAKE_MAX_BYTES": _int(env.get("INTAKE_MAX_BYTES"), 25 * 1024 * 1024),
        "INTAKE_KEEP_DAYS": _int(env.get("INTAKE_KEEP_DAYS"), 30),
        # `flask seed` only: gifts per contact the demo giving tops up to (0:
        # its own mix, about 1.9). `make bench` sets it (BENCH_GIFTS_PER_CONTACT)
        # to reach issue 13's 5,000,000 gifts at 1,000,000 contacts.
        "SEED_GIFTS_PER_CONTACT": _int(env.get("SEED_GIFTS_PER_CONTACT"), 0),
    }
