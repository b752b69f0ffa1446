"""Signing in over HTTP as a browser does, for a session cookie wrk can send.

The cookie is read from Set-Cookie by hand: in production the app marks it
Secure, and a cookie jar would not send a Secure cookie back over plain HTTP.
"""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            jar[name] = morsel.value


def _header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def fetch(base_url: str, path: str, cookie: str = "", headers: dict | None = None) -> tuple[int, bytes]:
    """One GET; (status, body)."""
    host = urlsplit(base_url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    try:
        conn.request("GET", path, headers={**({"Cookie": cookie} if cookie else {}), **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in through /login (CSRF token from the form); the Cookie header value."""
    host = urlsplit(base_url)
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        html = response.read().decode("utf-8", "replace")
        _cookies(response, jar)
        match = _CSRF.search(html)
        if response.status != 200 or not match:
            raise RuntimeError(f"GET /login answered {response.status} without a CSRF token")
        form = urlencode({"csrf_token": match[1] or match[2], "email": email, "password": password})
        conn.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": _header(jar)})
        response = conn.getresponse()
        response.read()
        _cookies(response, jar)
    finally:
        conn.close()
    if response.status not in (302, 303):
        raise RuntimeError(f"signing in as {email} failed: POST /login answered {response.status}")
    cookie = _header(jar)
    status, _ = fetch(base_url, "/", cookie)
    if status != 200:
        raise RuntimeError(f"signed in, but the dashboard answered {status}")
    return cookie
