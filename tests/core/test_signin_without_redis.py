"""While Redis is down, sign-in and "forgot password" say at once that they
are briefly unavailable (503), instead of an error page after 5 seconds;
people already signed in keep working."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from app import create_app, limiter
from tests.conftest import PASSWORD, app_config, csrf_from, login


@pytest.fixture(params=["closed port", "missing socket", "silent server"])
def dead_redis_url(request, tmp_path):
    if request.param == "closed port":
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield f"redis://127.0.0.1:{port}/0"
    elif request.param == "missing socket":
        yield f"unix://{tmp_path / 'gone.sock'}"
    else:  # accepts connections and never answers, like a Redis that hangs
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(64)
            yield f"redis://127.0.0.1:{silent.getsockname()[1]}/0"


@pytest.fixture
def app_without_redis(app, instance_path, dead_redis_url):
    """A second app on the same database and secret key, whose Redis is gone."""
    yield create_app(app_config(instance_path, REDIS_URL=dead_redis_url))
    # Flask-Limiter keeps one storage for every app in the process: give the suite's app its Redis back.
    limiter.init_app(app, app.extensions["steward"])


def test_sign_in_and_forgot_password_say_they_are_briefly_unavailable(app_without_redis, admin, caplog):
    client = app_without_redis.test_client()
    for url, data in (("/login", {"email": admin.email, "password": PASSWORD}),
                      ("/password/forgot", {"email": admin.email})):
        token = csrf_from(client, url)  # the pages themselves still load
        started = time.monotonic()
        with caplog.at_level(logging.WARNING):
            response = client.post(url, data={**data, "csrf_token": token})
        assert time.monotonic() - started < 2.5  # redis-py's own timeout is 5 s
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "60"
        page = response.get_data(as_text=True)
        assert "Sign-in is briefly unavailable" in page
        assert "Steward cannot reach Redis" in page
    assert caplog.text.count("Sign-in is unavailable: Redis is not answering") == 2


def test_people_signed_in_keep_working(app, app_without_redis, admin):
    working = app.test_client()
    login(working, admin.email)
    client = app_without_redis.test_client()
    client.set_cookie("session", working.get_cookie("session").value)
    assert client.get("/").status_code == 200
    page = client.get("/admin/lockouts")
    assert page.status_code == 200
    assert "Steward cannot reach Redis" in page.get_data(as_text=True)
