"""The portal's own sign-in, apart from staff sign-in.

A portal session is a row (`PortalSession`) and a cookie of its own,
`steward_portal`, scoped to `/help` (the browser never sends it to staff
pages), HttpOnly, SameSite=Lax, Secure when the site is served over HTTPS,
holding a random secret of which only a SHA-256 is stored. It never touches
Flask-Login's session keys, so a customer signed in here is nobody on the
staff side: every staff page still asks for a staff sign-in."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import Contact
from modules.helpdesk.portal.links import digest
from modules.helpdesk.portal.models import PortalSession

COOKIE = "steward_portal"
PATH = "/help"
DAYS = 14


def current() -> PortalSession | None:
    if "helpdesk_portal" not in g:
        g.helpdesk_portal = _read()
    return g.helpdesk_portal


def contact() -> Contact | None:
    session = current()
    return db.session.get(Contact, session.contact_id) if session else None


def _read() -> PortalSession | None:
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > 200:
        return None
    row = db.session.scalar(select(PortalSession).where(PortalSession.secret_hash == digest(secret)))
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    person = db.session.get(Contact, row.contact_id)
    if person is None or person.deleted_at is not None:
        return None
    return row


def start(response, contact_id: int, email: str) -> PortalSession:
    secret = secrets.token_urlsafe(32)
    row = PortalSession(contact_id=contact_id, email=email, secret_hash=digest(secret),
                        expires_at=utcnow() + timedelta(days=DAYS))
    db.session.add(row)
    secure = request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    response.set_cookie(COOKIE, secret, max_age=DAYS * 86400, path=PATH, httponly=True, samesite="Lax",
                        secure=secure)
    return row


def end(response) -> None:
    row = current()
    if row is not None:
        row.ended_at = utcnow()
    response.delete_cookie(COOKIE, path=PATH)
