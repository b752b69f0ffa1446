"""The site's own address (BASE_URL) and the one way to build absolute links.

A link that leaves the browser (a password reset, an invitation, an
unsubscribe or portal sign-in link in an email) is built by `external_url`
from BASE_URL, never from the request: the Host header is whatever the
client sent, so a link built from it can point at an attacker's site. The
same BASE_URL also decides which host names requests may use (Flask's
TRUSTED_HOSTS); any other gets 400.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from app import ConfigError

# Always trusted, so a health probe or curl on the machine itself works.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 (names a bind address, binds nothing)


def base_url(config: dict) -> str:
    """BASE_URL checked and without its trailing slash. Production requires
    it; development defaults to where `make run` serves (HOST, PORT)."""
    url = (config["BASE_URL"] or "").strip()
    if not url:
        if config["STEWARD_ENV"] == "production":
            raise ConfigError("steward: refusing to start in production without BASE_URL; set it to the "
                              "address people open Steward at, e.g. https://crm.example.org")
        host = "127.0.0.1" if config["HOST"] in WILDCARD_HOSTS else config["HOST"]
        return f"http://{f'[{host}]' if ':' in host else host}:{config['PORT']}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"steward: BASE_URL must be the address people open Steward at, "
                          f"like https://crm.example.org, not {url!r}")
    return url.rstrip("/")


def trusted_hosts(config: dict) -> list[str]:
    """Host names requests may use: BASE_URL's, the loopback names and the
    TRUSTED_HOSTS setting's extra names (a leading dot allows subdomains)."""
    names = [urlsplit(config["BASE_URL"]).hostname, *LOOPBACK_HOSTS, *config["TRUSTED_HOSTS"]]
    return list(dict.fromkeys(name.lower() for name in names))


def external_url(endpoint: str, **values) -> str:
    """An absolute link to `endpoint` on BASE_URL, for email and anything else
    read outside this site. Works in a request, a job or a CLI command alike,
    and never looks at the request."""
    app = current_app
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
