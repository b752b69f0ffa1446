"""One-time sign-in links for the customer portal.

A link is signed (itsdangerous, the app's secret, its own salt), names a
stored `SignInLink` and carries a random secret of which only a SHA-256 is
stored. It works once (used_at is set in one UPDATE ... WHERE used_at IS
NULL, so two clicks at once cannot both sign in) and for `LINK_MINUTES`.

Asking for a link answers the same whatever the address: known, unknown or
limited. At most `PER_ADDRESS` links per address per hour are sent (more
are silently not sent) and `PER_IP` requests per IP address per hour are
taken (more get a "try later" page, which says nothing about the address)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from sqlalchemy import select, update

from app import audit, links, mail, settings
from app.extensions import db
from app.limiter import limiter
from app.models.base import utcnow
from modules.contacts.models import Contact, ContactEmail
from modules.helpdesk.portal.models import SignInLink

SALT = "steward.helpdesk.portal-link"
LINK_MINUTES = 30
PER_ADDRESS = parse("3/hour")
PER_IP = parse("10/hour")


class TooManyRequests(Exception):
    pass


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def contact_for_address(email: str) -> Contact | None:
    """The live contact with exactly this address. Contacts store addresses in
    lower case (people/records.py), so the lookup uses the email index."""
    return db.session.scalar(select(Contact).join(ContactEmail, ContactEmail.contact_id == Contact.id).where(
        ContactEmail.email == email.strip().lower(), Contact.deleted_at.is_(None))
        .order_by(Contact.id).limit(1))


def request_link(email: str, ip: str) -> SignInLink | None:
    """Send a sign-in link to `email` if a contact has it. Raises
    TooManyRequests when this IP address asked too often."""
    email = email.strip().lower()
    if not limiter.limiter.hit(PER_IP, "helpdesk-portal-ip", ip or "?"):
        raise TooManyRequests
    if not limiter.limiter.hit(PER_ADDRESS, "helpdesk-portal-address", email):
        return None
    contact = contact_for_address(email)
    if contact is None:
        return None
    secret = secrets.token_urlsafe(32)
    link = SignInLink(contact_id=contact.id, email=email, secret_hash=digest(secret),
                      expires_at=utcnow() + timedelta(minutes=LINK_MINUTES))
    db.session.add(link)
    db.session.flush()
    url = links.external_url("help.signin_link", token=_serializer().dumps({"i": link.id, "s": secret}))
    org = settings.get("core", "org_name") or ""
    text = (f"Hello,\n\nSomeone (we hope you) asked to sign in to the help centre{' of ' + org if org else ''}.\n"
            f"Open this link to sign in. It works once, for {LINK_MINUTES} minutes:\n\n{url}\n\n"
            "If you did not ask for it, ignore this email: nobody can sign in without the link.\n")
    mail.send(email, "Your sign-in link for the help centre", text, category="helpdesk.portal-link")
    audit.record(audit.CREATE, link, summary=f"Sent a help-centre sign-in link to {email}")
    return link


def read(token: str) -> SignInLink | None:
    """The link a token names, if the token is genuine, unused and unexpired."""
    try:
        payload = _serializer().loads(token, max_age=LINK_MINUTES * 60)
        link_id, secret = int(payload["i"]), str(payload["s"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    link = db.session.get(SignInLink, link_id)
    if link is None or not secrets.compare_digest(link.secret_hash, digest(secret)):
        return None
    if link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def use(token: str) -> SignInLink | None:
    """Spend the link: the one caller that gets it back signs in."""
    link = read(token)
    if link is None:
        return None
    spent = db.session.execute(update(SignInLink).where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
                               .values(used_at=utcnow()))
    return link if spent.rowcount == 1 else None
