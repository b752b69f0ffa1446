"""Sign-in limits (app/auth/signin_limits.py): they stop one address guessing,
and leave a school or a staff room behind one address alone."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from app import ConfigError
from app.extensions import db
from app.models import AuditEntry
from config import load_config
from tests.conftest import PASSWORD, csrf_from, logout, make_user
from tests.signin import attempt

SCHOOL = "203.0.113.5"


def _failures_checked(app) -> int:
    """Passwords actually checked and wrong (each leaves a login_failed entry)."""
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "login_failed"))


def test_fifty_staff_behind_one_address_all_sign_in_though_thirty_mistype(app):
    staff = [make_user(app, f"teacher{n}@example.org", "staff", f"Teacher {n}") for n in range(50)]
    browsers = [app.test_client() for _ in staff]
    tokens = [csrf_from(browser, "/login") for browser in browsers]
    for user, browser, token in list(zip(staff, browsers, tokens, strict=True))[:30]:
        mistyped = attempt(browser, user.email, PASSWORD.upper(), address=SCHOOL, token=token)
        assert mistyped.status_code == 422
        assert "That email and password do not match an active account." in mistyped.get_data(as_text=True)
    for user, browser, token in zip(staff, browsers, tokens, strict=True):
        assert attempt(browser, user.email, PASSWORD, address=SCHOOL, token=token).status_code == 303
        assert browser.get("/").status_code == 200


def test_one_address_trying_a_thousand_passwords_on_one_account_is_stopped(app, admin, signin_clock):
    attacker = app.test_client()
    token = csrf_from(attacker, "/login")
    answers = Counter(attempt(attacker, admin.email, f"guess number {n:04}", token=token).status_code
                      for n in range(1000))
    assert answers == {422: 5, 429: 995}
    assert _failures_checked(app) == 5  # held attempts check no password
    held = attempt(attacker, admin.email, PASSWORD, token=token)  # even the right one, from there
    assert held.status_code == 429 and held.headers["Retry-After"] == "60"
    assert ("Too many failed sign-ins for this account from this network. Try again in 1 minute."
            in held.get_data(as_text=True))
    # The owner, at another address and on a new device, is not held.
    assert attempt(app.test_client(), admin.email, PASSWORD, address="192.0.2.44").status_code == 303


def test_one_address_trying_one_password_on_a_thousand_accounts_is_stopped(app, admin, signin_clock):
    attacker = app.test_client()
    token = csrf_from(attacker, "/login")
    answers = Counter(attempt(attacker, f"person{n}@example.org", "Summer2024!Summer", token=token).status_code
                      for n in range(1000))
    assert answers == {422: 50, 429: 950}
    assert _failures_checked(app) == 50
    held = attempt(attacker, admin.email, PASSWORD, token=token)
    assert held.status_code == 429
    assert "Too many attempts from this network. Try again in 15 seconds." in held.get_data(as_text=True)
    assert attempt(app.test_client(), admin.email, PASSWORD, address="192.0.2.44").status_code == 303


def test_waits_double_up_to_the_longest_and_old_failures_are_forgotten(app, admin, signin_clock):
    client = app.test_client()
    token = csrf_from(client, "/login")

    def wrong():
        return attempt(client, admin.email, "a wrong password", token=token)

    for _ in range(4):
        assert "Retry-After" not in wrong().headers
    fifth = wrong()
    assert fifth.status_code == 422 and fifth.headers["Retry-After"] == "60"
    assert "Try again in 1 minute." in fifth.get_data(as_text=True)  # said at once, with the wrong password
    signin_clock.advance(59)
    assert wrong().headers["Retry-After"] == "1"
    waits = []
    for _ in range(8):
        signin_clock.advance(int(wrong().headers["Retry-After"]))
        waits.append(int(wrong().headers["Retry-After"]))
    assert waits == [120, 240, 480, 960, 1920, 3600, 3600, 3600]
    # One failure is forgotten every 30 minutes: after a quiet day, five free attempts again.
    signin_clock.advance(86400)
    assert [wrong().status_code for _ in range(6)] == [422] * 5 + [429]


def test_the_right_password_ends_the_wait_for_that_address_only(app, admin):
    client = app.test_client()
    token = csrf_from(client, "/login")
    for _ in range(4):
        attempt(client, admin.email, "a wrong password", token=token)
    assert attempt(client, admin.email, PASSWORD, token=token).status_code == 303
    logout(client)
    token = csrf_from(client, "/login")
    # A fresh start for this address and account (the account counter keeps its eight).
    assert [attempt(client, admin.email, "a wrong password", token=token).status_code
            for _ in range(5)] == [422] * 5
    assert attempt(client, admin.email, PASSWORD, token=token).status_code == 429


def test_guessing_from_many_addresses_slows_down_on_the_account(app, admin, signin_clock):
    for n in range(10):
        attempt(app.test_client(), admin.email, "a wrong password", address=f"192.0.2.{n}")
    held = attempt(app.test_client(), admin.email, PASSWORD, address="192.0.2.200")
    assert held.status_code == 429 and held.headers["Retry-After"] == "30"
    assert ("Too many failed sign-ins for this account. Try again in 30 seconds, sign in on a device you "
            "have used before, or reset your password.") in held.get_data(as_text=True)
    signin_clock.advance(30)
    assert attempt(app.test_client(), admin.email, PASSWORD, address="192.0.2.200").status_code == 303


def test_reset_links_are_limited_per_address_and_the_page_says_how_long(app, admin):
    client = app.test_client()
    token = csrf_from(client, "/password/forgot")
    answers = [client.post("/password/forgot", data={"email": admin.email, "csrf_token": token})
               for _ in range(11)]
    assert [a.status_code for a in answers] == [303] * 10 + [429]
    assert re.search(r"There were too many requests from this network\. Try again in (1 hour|[1-5]?\d minutes?)\.",
                     answers[-1].get_data(as_text=True))


@pytest.mark.parametrize(("value", "allowance"), [("8", 8), ("5 per 15 minutes", 5), ("", 50)])
def test_allowance_settings(monkeypatch, value, allowance):
    monkeypatch.setenv("LOGIN_LIMIT_IP", value)
    assert load_config()["LOGIN_LIMIT_IP"] == allowance


@pytest.mark.parametrize("value", ["many", "0", "-3", "5 a minute"])
def test_a_bad_allowance_setting_refuses_to_start(monkeypatch, value):
    monkeypatch.setenv("LOGIN_LIMIT_ACCOUNT", value)
    with pytest.raises(ConfigError, match="LOGIN_LIMIT_ACCOUNT must be a whole number of failed sign-ins"):
        load_config()


def test_a_stolen_session_cannot_guess_the_current_password_at_full_speed(app, admin, admin_client, signin_clock):
    """Changing your password asks for the current one; wrong guesses there
    count like sign-ins of one device, and then wait, whatever is typed."""
    pair_allowance = app.config["LOGIN_LIMIT_PAIR"]

    def change(current: str):
        return admin_client.post("/account", data={
            "csrf_token": csrf_from(admin_client, "/account"), "name": admin.name, "current_password": current,
            "password": "a brand new passphrase here", "confirm": "a brand new passphrase here"})

    guesses = 0
    for n in range(pair_allowance + 5):
        guesses += 1
        if "Too many wrong current passwords. Try again in" in change(f"guess number {n}").get_data(as_text=True):
            break
    assert guesses == pair_allowance  # the last allowed wrong guess starts the wait
    held = change(PASSWORD).get_data(as_text=True)
    assert "Too many wrong current passwords. Try again in 1 minute." in held
    from app.auth.passwords import verify_password
    from app.models import User

    with app.app_context():
        assert verify_password(db.session.get(User, admin.id), PASSWORD)  # unchanged while held
    lockouts = admin_client.get("/admin/lockouts").get_data(as_text=True)
    assert "admin@example.org changing their password (wrong current password)" in lockouts

    signin_clock.advance(61)
    assert change(PASSWORD).status_code == 303
