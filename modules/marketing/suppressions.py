"""The suppression list: addresses never mailed, whoever holds them.
Addresses are stored lower-cased; adding one already there keeps the
first reason (a hard bounce stays a hard bounce)."""

from __future__ import annotations

from sqlalchemy import delete, select

from app import audit
from app.extensions import db
from modules.marketing.models import SUPPRESSION_REASONS, UNSUBSCRIBED_ALL, Suppression


def normal(email: str) -> str:
    return (email or "").strip().lower()


def find(email: str) -> Suppression | None:
    return db.session.scalar(select(Suppression).where(Suppression.email == normal(email)))


def is_suppressed(email: str) -> bool:
    return find(email) is not None


def suppress(email: str, reason: str, *, note: str = "", user=None,
             actor: str | None = None) -> tuple[Suppression, bool]:
    """Put `email` on the list; (row, True) when it was not there yet.
    `actor`: who did it, for the audit log, when no user did (default: the note)."""
    if reason not in SUPPRESSION_REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    existing = find(email)
    if existing is not None:
        return existing, False
    row = Suppression(email=normal(email), reason=reason, note=note[:300], created_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(audit.CREATE, row, user=user, actor=None if user else (actor or note or "system")[:120],
                 summary=f"Suppressed {row.email} ({SUPPRESSION_REASONS[reason].lower()})")
    return row, True


def remove(row: Suppression, *, user=None) -> None:
    audit.record(audit.DELETE, row, user=user, summary=f"Removed {row.email} from the suppression list",
                 changes={"email": (row.email, None)})
    db.session.delete(row)


def lift(emails, *, reason_only: bool = True) -> int:
    """Take `emails` off the list; with `reason_only`, only where the person
    had unsubscribed from everything themselves (bounces and complaints stay)."""
    emails = [normal(e) for e in emails if e]
    if not emails:
        return 0
    stmt = delete(Suppression).where(Suppression.email.in_(emails))
    if reason_only:
        stmt = stmt.where(Suppression.reason == UNSUBSCRIBED_ALL)
    return db.session.execute(stmt.execution_options(synchronize_session="fetch")).rowcount or 0
