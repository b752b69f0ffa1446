"""Fixtures of the security tests."""

from __future__ import annotations

import pytest

from app import heartbeat


@pytest.fixture
def worker_heartbeat(app):
    """A worker's heartbeat every second while the test runs, as a
    deployment has. The route walks count every 5xx as a crash, and /healthz
    answers 503 by design when jobs wait (the walks queue imports and
    exports) and no worker has been seen."""
    redis = app.extensions["steward"].redis
    beating = heartbeat.Beating(lambda: heartbeat.beat_worker(redis, "security-walk"), 1, "walk-heartbeat").start()
    yield
    beating.stop()
    heartbeat.forget_worker(redis, "security-walk")
