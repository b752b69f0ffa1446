"""Helpers for API tests: a token for a user, and a test client that sends it."""

from __future__ import annotations

from app.extensions import db
from app.models import User

BASE = "/api/v1"


def make_token(app, email: str, scopes=None, days: int = 30, name: str = "test token") -> str:
    """A new token's secret for the user with `email` (scopes None: all they may)."""
    from app.api import tokens

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        _, secret = tokens.create(user, name, scopes, days)
        db.session.commit()
        return secret


class Api:
    """`app.test_client()` that sends `Authorization: Bearer <token>` and no cookie."""

    def __init__(self, app, secret: str):
        self.client = app.test_client(use_cookies=False)
        self.secret = secret

    def open(self, method: str, path: str, headers=None, **kwargs):
        url = path if path.startswith(("/", "http")) else f"{BASE}/{path}"
        return self.client.open(url, method=method, headers={"Authorization": f"Bearer {self.secret}",
                                                            **(headers or {})}, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


def api_for(app, email: str, scopes=None) -> Api:
    return Api(app, make_token(app, email, scopes))
