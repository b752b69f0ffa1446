"""A small browser for the load test, on http.client (no extra dependency):
one signed-in user's cookies, CSRF tokens taken from the pages, redirects
not followed (a 303 is the answer we check), and every exchange recorded."""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
LOCKED = "database is locked"


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    body: str
    location: str = ""
    trigger: str = ""


@dataclass
class Record:
    """Every exchange of every client, and the ones that went wrong."""

    exchanges: list[Exchange] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange, expect: tuple[int, ...]) -> None:
        problem = ""
        if exchange.status not in expect:
            problem = f"expected {expect}, got {exchange.status}"
        if LOCKED in exchange.body.lower():
            problem = f"{problem}; the page says {LOCKED!r}".lstrip("; ")
        with self.lock:
            self.exchanges.append(exchange)
            if problem:
                self.failures.append(f"{exchange.method} {exchange.path}: {problem}: {exchange.body[:300]!r}")

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


class Browser:
    def __init__(self, port: int, record: Record):
        self.port = port
        self.record = record
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, *, expect=(200,),
                headers: dict | None = None) -> Exchange:
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or ():
                self._keep(header)
            exchange = Exchange(method, path, response.status, text, response.getheader("Location") or "",
                                response.getheader("HX-Trigger") or "")
        finally:
            conn.close()
        self.record.add(exchange, expect if isinstance(expect, tuple) else (expect,))
        return exchange

    def _keep(self, header: str) -> None:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str, **kwargs) -> Exchange:
        return self.request("GET", path, **kwargs)

    def csrf(self, page: str) -> str:
        """The CSRF token of `page`, read from it like a browser would."""
        match = CSRF_RE.search(self.get(page).body)
        if not match:
            raise AssertionError(f"no CSRF token on {page}")
        return match.group(1)

    def post(self, path: str, form: dict, *, page: str | None = None, expect=(303,), **kwargs) -> Exchange:
        """Post a form the way a browser does: its page first, for the token."""
        token = self.csrf(page or path)
        return self.request("POST", path, {**form, "csrf_token": token}, expect=expect, **kwargs)

    def login(self, email: str, password: str) -> None:
        response = self.post("/login", {"email": email, "password": password})
        if response.status != 303:
            raise AssertionError(f"sign-in failed: {response.status} {response.body[:300]}")
