"""A live server for API tests that need real HTTP (concurrent requests, the CSV example)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def server(app):
    """The session app on http://127.0.0.1:<free port>, threaded, for this test."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)
