"""One POST of a webhook, to the address the guard checked (pinned: no
second DNS lookup), with short timeouts, no redirects followed, and only
the first bytes of the answer read."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.webhooks import guard

KEEP_BODY = 2000  # characters of the answer kept in the log
READ_AT_MOST = 64 * 1024
USER_AGENT = "Steward-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, timed out, connection failed)
    body: str
    error: str
    duration_ms: int
    refused: bool = False  # the guard refused the address: nothing was sent


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, deadline: float) -> Answer:
    """`timeout`: seconds for connecting and for each read; `deadline`:
    seconds for the whole exchange."""
    started = time.monotonic()
    try:
        scheme, host, port, address = guard.resolve(url)
    except guard.Refused as refusal:
        return Answer(None, "", str(refusal), 0, refused=True)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address, timeout)
    try:
        connection.request("POST", path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        data = b""
        while len(data) < READ_AT_MOST:
            if time.monotonic() - started > deadline:
                break
            chunk = response.read1(min(8192, READ_AT_MOST - len(data)))
            if not chunk:
                break
            data += chunk
        status = response.status
        error = ""
        if 300 <= status < 400:
            error = f"Redirects are not followed (Location: {response.getheader('Location', '')[:300]})."
    except (OSError, http.client.HTTPException) as problem:
        kind_name = "Timed out" if isinstance(problem, TimeoutError | socket.timeout) else type(problem).__name__
        return Answer(None, "", f"{kind_name}: {problem}"[:500] if str(problem) else kind_name, _ms(started))
    finally:
        connection.close()
    return Answer(status, data.decode("utf-8", "replace")[:KEEP_BODY], error, _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
