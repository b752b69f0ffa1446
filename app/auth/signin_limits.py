"""Sign-in limits: slow password guessing down without locking out a school
behind one network address, or a colleague whose email someone else types.

Each failed sign-in counts on failure counters (app/auth/failure_counters.py).
A counter allows a few failures, then makes people wait, and the wait doubles
with every further failure up to a longest wait. Old failures are forgotten
one at a time, but only while no wait runs: whoever fails again as soon as
each wait ends stays at the longest wait, and the rate of forgetting is all a
patient guesser gets. A sign-in from a device not used for the account before
counts on three counters:

- `pair`, this address and this account: tight, it stops one address
  guessing one account's password;
- `address`, this address: loose, it stops one address trying a password on
  many accounts, and leaves room for a class or a staff room behind one NAT;
- `account`, this account from anywhere: it slows guessing spread over many
  addresses.

A sign-in from a browser that signed in to the account before (its device
cookie, app/auth/devices.py) counts on one counter instead: `device`, this
device and this account, as tight as the pair. Nobody else can add to it, so
neither someone guessing the director's password nor a class sharing her
network can make her wait, and a stolen laptop still gets only a few guesses.
(Keeping the pair limit for known devices would let anyone on her network
hold her; keying it on the device gives the same bound without that.)

While a counter holds, the password is not checked and nothing is counted.
Two requests checked at the same moment can both pass before either failure
is counted: at most one extra guess per web worker thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, request

from app.auth import devices, failure_counters
from app.auth.failure_counters import Counter, Limit
from app.dates import duration_words
from app.models import User
from app.redis_conn import quick_client

PREFIX = "steward:signin"
SHOWN = 200  # lockouts listed on the admin page

# The time the limits go by (tests put a clock they can advance here). Every
# wait is computed from the times stored in the counters, none from Redis.
clock = time.time


@dataclass(frozen=True)
class Attempt:
    email: str
    address: str
    device: str | None  # this browser's device id, if it has one
    known: bool  # the device signed in to this account since its password was set

    @classmethod
    def here(cls, email: str, user: User | None = None) -> Attempt:
        """A sign-in to `email` (the account `user`, if it exists) from this request."""
        return cls(email.strip().lower(), request.remote_addr or "unknown", devices.this_device(),
                   devices.known_device(user) is not None)

    def keys(self) -> dict[str, str]:
        """The counters this attempt is checked against and counts on."""
        if self.known:
            return {"device": self._device_key()}
        return {"pair": self._pair_key(), "address": f"{PREFIX}:address:{self.address}",
                "account": f"{PREFIX}:account:{self.email}"}

    def own_keys(self) -> list[str]:
        """The counters only this person can have filled: this address or
        this device with this account."""
        return [self._pair_key()] + ([self._device_key()] if self.device else [])

    def _pair_key(self) -> str:
        return f"{PREFIX}:pair:{self.address} {self.email}"

    def _device_key(self) -> str:
        return f"{PREFIX}:device:{self.device} {self.email}"


@dataclass(frozen=True)
class Hold:
    kind: str
    seconds: int

    @property
    def message(self) -> str:
        wait = duration_words(self.seconds)
        return {
            "address": f"Too many attempts from this network. Try again in {wait}.",
            "pair": f"Too many failed sign-ins for this account from this network. Try again in {wait}.",
            "device": f"Too many failed sign-ins for this account on this device. Try again in {wait}.",
            "account": f"Too many failed sign-ins for this account. Try again in {wait}, sign in on a "
                       "device you have used before, or reset your password.",
            "current": f"Too many wrong current passwords. Try again in {wait}.",
        }[self.kind]


@dataclass(frozen=True)
class Lockout:
    """A counter holding someone, as the admin page shows it."""
    kind: str
    account: str
    address: str
    counter: Counter

    @property
    def key(self) -> str:
        return self.counter.key

    @property
    def who(self) -> str:
        return {
            "address": f"everyone at network address {self.address} (on devices they have not used here before)",
            "pair": f"{self.account} from network address {self.address}",
            "device": f"{self.account} on one device they signed in with before",
            "account": f"{self.account} (on devices they have not used before)",
            "current": f"{self.account} changing their password (wrong current password)",
        }[self.kind]


def limit(kind: str) -> Limit:
    """Allowance (a setting), first wait, longest wait, forget one failure every (seconds)."""
    config = current_app.config
    if kind in ("pair", "device", "current"):
        return Limit(config["LOGIN_LIMIT_PAIR"], 60, 3600, 1800)
    if kind == "address":
        return Limit(config["LOGIN_LIMIT_IP"], 15, 600, 300)
    return Limit(config["LOGIN_LIMIT_ACCOUNT"], 30, 900, 900)


def _redis():
    """A client with short timeouts: while Redis is down, sign-in says so at once."""
    client = current_app.extensions.get("steward_signin_redis")
    if client is None:
        client = quick_client(current_app.extensions["steward"].redis_url)
        current_app.extensions["steward_signin_redis"] = client
    return client


def _now() -> int:
    return int(clock())


def _longest(kinds, waits) -> Hold | None:
    seconds, kind = max(zip(waits, kinds, strict=True))
    return Hold(kind, seconds) if seconds > 0 else None


def check(attempt: Attempt) -> Hold | None:
    """The hold that stops this attempt before its password is checked, if any."""
    keys = attempt.keys()
    return _longest(keys, failure_counters.waits(_redis(), list(keys.values()), _now()))


def failed(attempt: Attempt) -> Hold | None:
    """Count a failed sign-in; returns the wait it starts, if any."""
    keys = attempt.keys()
    counters = [(key, limit(kind)) for kind, key in keys.items()]
    return _longest(keys, failure_counters.record_failure(_redis(), counters, _now()))


def succeeded(attempt: Attempt) -> None:
    """The right password (or a password reset) ends the holds on this
    address or device for this account; those on the address alone and on
    the account stay, as the failures there may be someone else's."""
    failure_counters.clear(_redis(), attempt.own_keys())


def _current_key(user: User) -> str:
    return f"{PREFIX}:current:{user.email}"


def check_current_password(user: User) -> Hold | None:
    """The hold on checking `user`'s current password (changing it on the
    account page), so that a stolen session cannot guess it at full speed."""
    return _longest(["current"], failure_counters.waits(_redis(), [_current_key(user)], _now()))


def failed_current_password(user: User) -> Hold | None:
    return _longest(["current"], failure_counters.record_failure(
        _redis(), [(_current_key(user), limit("current"))], _now()))


def lockouts() -> list[Lockout]:
    return [_lockout(counter) for counter in failure_counters.holding(_redis(), _now(), SHOWN)]


def find(key: str) -> Lockout | None:
    """The lockout at `key` if it still holds (keys come from a form: only ours)."""
    if not key.startswith(f"{PREFIX}:") or key == failure_counters.HELD:
        return None
    counter = failure_counters.read(_redis(), key, _now())
    return _lockout(counter) if counter else None


def lift(lockout: Lockout) -> None:
    failure_counters.clear(_redis(), [lockout.key])


def _lockout(counter: Counter) -> Lockout:
    kind, _, who = counter.key.removeprefix(f"{PREFIX}:").partition(":")
    if kind == "address":
        return Lockout(kind, "", who, counter)
    if kind in ("account", "current"):
        return Lockout(kind, who, "", counter)
    first, _, account = who.partition(" ")
    return Lockout(kind, account, first if kind == "pair" else "", counter)
