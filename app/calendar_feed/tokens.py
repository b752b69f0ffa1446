"""Make, find and revoke a user's feed secret. Only its hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.extensions import db
from app.models import CalendarFeed, User
from app.models.base import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make(user: User) -> str:
    """A new secret for `user`, replacing any earlier one (whose URL stops working)."""
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at, feed.last_used_at = _hash(token), utcnow(), None
    return token


def revoke(user: User) -> bool:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        return False
    db.session.delete(feed)
    return True


def of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def find(token: str) -> tuple[CalendarFeed, User] | None:
    """The feed and its user, for an active user only."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(select(CalendarFeed, User).join(User, User.id == CalendarFeed.user_id)
                             .where(CalendarFeed.token_hash == _hash(token))).first()
    if row is None or not row[1].active:
        return None
    return row[0], row[1]
