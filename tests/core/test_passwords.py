"""Password hashing and the constant-work check at sign-in."""

from __future__ import annotations

from types import SimpleNamespace

from app.auth import passwords


def test_unknown_and_known_accounts_take_the_same_argon2_path(app, monkeypatch):
    with app.app_context():
        real = passwords.hasher()
        stored = passwords.hash_password("a real passphrase 123")
        calls = []

        class CountingHasher:
            def verify(self, hashed, password):
                calls.append(hashed)
                return real.verify(hashed, password)

        monkeypatch.setattr(passwords, "hasher", CountingHasher)
        assert passwords.verify_password(SimpleNamespace(password_hash=stored), "a real passphrase 123")
        assert not passwords.verify_password(SimpleNamespace(password_hash=stored), "wrong")
        assert not passwords.verify_password(None, "a real passphrase 123")
        assert not passwords.verify_password(SimpleNamespace(password_hash=None), "anything")
        assert len(calls) == 4 and all(h.startswith("$argon2id$") for h in calls)


def test_password_rules():
    assert passwords.password_problem("short") == "Use at least 12 characters."
    assert passwords.password_problem("aaaaaaaaaaaaaa") == "Use a less repetitive password."
    assert passwords.password_problem("me@example.org", "ME@example.org") is not None
    assert passwords.password_problem("x" * 300) == "Use at most 256 characters."
    assert passwords.password_problem("correct horse battery") is None
