"""Helpers for the sign-in limit tests: sign-in attempts from a given
network address, and a clock for the limits that tests advance."""

from __future__ import annotations

import time

from tests.conftest import csrf_from

ELSEWHERE = "198.51.100.20"


def attempt(client, email: str, password: str, address: str = ELSEWHERE, token: str | None = None):
    """POST the sign-in form from `address` (reuse `token` to skip loading the page)."""
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token or csrf_from(client, "/login")},
                       environ_base={"REMOTE_ADDR": address})


class StoppedClock:
    """Stands still until advanced, so a test runs as fast or as slowly as the
    machine allows and every wait comes out the same."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
