"""'Was this helpful?' votes and the deflection count.

Votes need no sign-in: each is one row, and at most `VOTES_PER_HOUR` votes
per IP address per article are counted (Flask-Limiter's storage, shared by
every process), so a script cannot stuff the count.

Deflection (documented in docs/helpdesk.md): the new-ticket form carries a
random form key; a suggestion opened from it is recorded once per form key
and article (`SuggestionOpen`). It counts as deflected when the customer
pressed "This answered my question", or when `deflection_minutes` passed
after opening it and no ticket was sent with that form key. A ticket sent
with the key marks its opens as not deflected."""

from __future__ import annotations

from datetime import timedelta

from limits import parse
from sqlalchemy import and_, func, or_, select, update

from app.extensions import db
from app.limiter import limiter
from app.models.base import utcnow
from modules.helpdesk.kb.models import Feedback, SuggestionOpen

VOTES_PER_HOUR = parse("3/hour")
FORM_KEY_LENGTH = 32


def vote(article_id: int, helpful: bool, ip: str) -> bool:
    """Record a vote; False when this address voted too often already."""
    if not limiter.limiter.hit(VOTES_PER_HOUR, "helpdesk-kb-vote", str(article_id), ip or "?"):
        return False
    db.session.add(Feedback(article_id=article_id, helpful=helpful))
    return True


def counts(article_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{article id: (helpful, not helpful)}."""
    out = {i: (0, 0) for i in article_ids}
    if not article_ids:
        return out
    for article_id, helpful, n in db.session.execute(
            select(Feedback.article_id, Feedback.helpful, func.count()).where(Feedback.article_id.in_(article_ids))
            .group_by(Feedback.article_id, Feedback.helpful)):
        yes, no = out[article_id]
        out[article_id] = (yes + n, no) if helpful else (yes, no + n)
    return out


def valid_key(form_key: str | None) -> bool:
    return bool(form_key) and len(form_key) <= 64 and form_key.replace("-", "").replace("_", "").isalnum()


def opened(form_key: str, article_id: int) -> None:
    """A suggestion was opened from the form session `form_key` (once counted)."""
    if not valid_key(form_key):
        return
    exists = db.session.scalar(select(SuggestionOpen.id).where(SuggestionOpen.form_key == form_key,
                                                               SuggestionOpen.article_id == article_id))
    if exists is None:
        db.session.add(SuggestionOpen(form_key=form_key, article_id=article_id))


def answered(form_key: str, article_id: int) -> bool:
    if not valid_key(form_key):
        return False
    opened(form_key, article_id)
    db.session.flush()
    result = db.session.execute(update(SuggestionOpen).where(
        SuggestionOpen.form_key == form_key, SuggestionOpen.article_id == article_id,
        SuggestionOpen.ticket_id.is_(None)).values(answered=True))
    return result.rowcount > 0


def ticket_sent(form_key: str, ticket_id: int) -> None:
    """A ticket came from this form session: its opens were no deflection."""
    if valid_key(form_key):
        db.session.execute(update(SuggestionOpen).where(SuggestionOpen.form_key == form_key)
                           .values(ticket_id=ticket_id, answered=False))


def deflections(minutes: int, since=None) -> int:
    """Form sessions deflected: answered, or opened `minutes` ago and no ticket."""
    cutoff = utcnow() - timedelta(minutes=minutes)
    query = select(func.count(func.distinct(SuggestionOpen.form_key))).where(
        SuggestionOpen.ticket_id.is_(None),
        or_(SuggestionOpen.answered.is_(True), SuggestionOpen.opened_at <= cutoff))
    if since is not None:
        query = query.where(SuggestionOpen.opened_at >= since)
    return db.session.scalar(query) or 0


def deflected_by_article(minutes: int, limit: int = 10) -> list[tuple[int, int]]:
    cutoff = utcnow() - timedelta(minutes=minutes)
    return db.session.execute(
        select(SuggestionOpen.article_id, func.count()).where(
            SuggestionOpen.ticket_id.is_(None),
            or_(SuggestionOpen.answered.is_(True), and_(SuggestionOpen.opened_at <= cutoff)))
        .group_by(SuggestionOpen.article_id).order_by(func.count().desc()).limit(limit)).all()
