"""Password hashing (argon2) and the password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 256


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hasher() -> PasswordHasher:
    return _hasher(current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY"))


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("steward-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(user, password: str) -> bool:
    """Checks the password; unknown users and users without a password go
    through the same argon2 work, so timing does not reveal who exists."""
    stored = user.password_hash if user is not None and user.password_hash else None
    profile = current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    try:
        ok = hasher().verify(stored or _dummy_hash(profile), password)
    except (VerificationError, InvalidHashError):
        ok = False
    return ok and stored is not None


def needs_rehash(user) -> bool:
    return hasher().check_needs_rehash(user.password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """A sentence saying what is wrong with a new password, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if len(set(password)) < 4:
        return "Use a less repetitive password."
    if email and password.strip().lower() == email.strip().lower():
        return "Do not use your email address as your password."
    return None
