"""Devices that signed in before (app/auth/devices.py): their owner signs in
while someone else hammers her email, and only she can make her device wait."""

from __future__ import annotations

from app.auth import reset
from app.auth.devices import COOKIE
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, csrf_from, logout, make_user, post_form
from tests.signin import attempt

HOME = "198.51.100.7"  # the director's office network, shared with everyone there
NEW_PASSWORD = "a brand new passphrase 42"


def _director(app):
    return make_user(app, "director@example.org", "admin", "Dana Director")


def _own_device(app, user, address=HOME):
    """A browser the user has signed in with (and signed out of)."""
    browser = app.test_client()
    assert attempt(browser, user.email, PASSWORD, address=address).status_code == 303
    logout(browser)
    return browser


def _hammer(app, email, addresses):
    """Someone else types `email` with wrong passwords, five times from each address."""
    for address in addresses:
        stranger = app.test_client()
        token = csrf_from(stranger, "/login")
        for n in range(5):
            attempt(stranger, email, f"is it this one {n}", address=address, token=token)


def test_the_owner_signs_in_on_her_own_device_while_someone_hammers_her_email(app, signin_clock):
    director = _director(app)
    laptop = _own_device(app, director)
    _hammer(app, director.email, [HOME, "192.0.2.1", "192.0.2.2", "192.0.2.3"])

    newcomer = attempt(app.test_client(), director.email, PASSWORD, address="192.0.2.99")
    assert newcomer.status_code == 429
    assert "Too many failed sign-ins for this account." in newcomer.get_data(as_text=True)
    same_network = attempt(app.test_client(), director.email, PASSWORD, address=HOME)
    assert same_network.status_code == 429

    assert attempt(laptop, director.email, PASSWORD, address=HOME).status_code == 303
    assert laptop.get("/").status_code == 200


def test_a_device_only_vouches_for_the_accounts_that_signed_in_on_it(app, signin_clock):
    director = _director(app)
    colleague = make_user(app, "colleague@example.org", "staff", "Colin")
    shared_pc = _own_device(app, colleague)
    _hammer(app, director.email, ["192.0.2.1", "192.0.2.2"])
    assert attempt(shared_pc, director.email, PASSWORD).status_code == 429
    # A cookie copied to another browser says nothing of its own about the director either.
    thief = app.test_client()
    thief.set_cookie(COOKIE, shared_pc.get_cookie(COOKIE).value)
    assert attempt(thief, director.email, PASSWORD).status_code == 429
    assert attempt(shared_pc, colleague.email, PASSWORD).status_code == 303


def test_a_forged_device_cookie_is_ignored(app, signin_clock):
    director = _director(app)
    _hammer(app, director.email, ["192.0.2.1", "192.0.2.2"])
    forger = app.test_client()
    forger.set_cookie(COOKIE, "eyJkIjoiYWJjIiwiYSI6eyIxIjoiMDAwMCJ9fQ.forged")
    assert attempt(forger, director.email, PASSWORD).status_code == 429


def test_a_known_device_has_its_own_tight_limit(app, signin_clock):
    """A stolen laptop gets five guesses, then waits; its failures make
    nobody else wait (they count on no address or account counter)."""
    director = _director(app)
    laptop = _own_device(app, director)
    token = csrf_from(laptop, "/login")
    answers = [attempt(laptop, director.email, f"guess {n}", address=HOME, token=token) for n in range(6)]
    assert [a.status_code for a in answers] == [422] * 5 + [429]
    assert ("Too many failed sign-ins for this account on this device. Try again in 1 minute."
            in answers[-1].get_data(as_text=True))
    assert attempt(app.test_client(), director.email, PASSWORD, address=HOME).status_code == 303


def test_device_cookie_flags(app, admin):
    plain = app.test_client()
    header = next(h for h in attempt(plain, admin.email, PASSWORD).headers.getlist("Set-Cookie")
                  if h.startswith(f"{COOKIE}="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    assert "Max-Age=31536000" in header and "Path=/" in header
    secure = app.test_client()
    token = csrf_from(secure, "https://localhost/login")
    response = secure.post("https://localhost/login", data={"email": admin.email, "password": PASSWORD,
                                                          "csrf_token": token},
                           headers={"Referer": "https://localhost/login"})  # Flask-WTF checks it on https
    assert response.status_code == 303
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}="))
    assert "Secure" in header


def test_a_new_password_ends_what_other_devices_knew(app, signin_clock):
    director = _director(app)
    old_laptop = _own_device(app, director)
    phone = app.test_client()
    assert attempt(phone, director.email, PASSWORD).status_code == 303
    changed = post_form(phone, "/account", {"name": director.name, "current_password": PASSWORD,
                                            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 303
    logout(phone)
    _hammer(app, director.email, ["192.0.2.1", "192.0.2.2"])
    assert attempt(old_laptop, director.email, NEW_PASSWORD, address=HOME).status_code == 429
    assert attempt(phone, director.email, NEW_PASSWORD).status_code == 303  # the device that changed it


def test_a_password_reset_lets_that_browser_in_while_the_account_is_held(app, signin_clock):
    director = _director(app)
    _hammer(app, director.email, ["192.0.2.1", "192.0.2.2"])
    browser = app.test_client()
    token = csrf_from(browser, "/login")
    for n in range(5):  # she tries herself first, from her network, and gets held there too
        attempt(browser, director.email, f"was it this {n}", address=HOME, token=token)
    with app.app_context():
        link = f"/password/reset/{reset.make_token(db.session.get(User, director.id))}"
    response = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                        "csrf_token": csrf_from(browser, link)},
                            environ_base={"REMOTE_ADDR": HOME})
    assert response.status_code == 303
    assert attempt(browser, director.email, NEW_PASSWORD, address=HOME).status_code == 303
    # Anyone else typing her email from a new device is still held.
    assert attempt(app.test_client(), director.email, NEW_PASSWORD, address="192.0.2.50").status_code == 429
