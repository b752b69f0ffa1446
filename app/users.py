"""Users, roles and invitations: the logic the views and the CLI share."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, render_template
from flask_login import current_user

from app import audit, mail
from app.auth.passwords import hash_password
from app.extensions import db
from app.links import external_url
from app.models import Invitation, Role, User
from app.models.base import utcnow
from app.permissions import BUILTIN_ROLES

INVITATION_DAYS = 7


def ensure_builtin_roles() -> dict[str, Role]:
    """The four built-in roles exist (migrations create them; this repairs)."""
    roles = {r.key: r for r in db.session.scalars(db.select(Role).where(Role.key.is_not(None)))}
    for key, (name, description) in BUILTIN_ROLES.items():
        if key not in roles:
            roles[key] = Role(key=key, name=name, description=description)
            db.session.add(roles[key])
    db.session.flush()
    return roles


def role_by_key(key: str) -> Role:
    return ensure_builtin_roles()[key]


def find_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def create_user(email: str, name: str, password: str, role: Role) -> User:
    user = User(email=email.strip().lower(), name=name.strip(), password_hash=hash_password(password),
                role=role)
    db.session.add(user)
    db.session.flush()
    # Nobody is signed in during setup or when an invitation is accepted: the
    # new user is the one acting (from the CLI too, which the entry's IP shows).
    by = current_user if has_request_context() and current_user.is_authenticated else user
    audit.record(audit.CREATE, user, user=by, summary=f"User {user.email} ({role.name})")
    current_app.extensions["steward"].has_users = True
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(email: str, name: str, role: Role, by: User) -> Invitation:
    """Create an invitation and email its link; earlier pending ones are revoked."""
    email = email.strip().lower()
    for old in db.session.scalars(db.select(Invitation).where(
            Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        old.revoked_at = utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(email=email, name=name.strip(), role=role, token_hash=_token_hash(token),
                            invited_by_id=by.id, expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    org = _org_name()
    link = external_url("auth.accept_invitation", token=token)
    context = {"invitation": invitation, "link": link, "org_name": org, "inviter": by,
               "days": INVITATION_DAYS}
    mail.send(email, f"You are invited to {org} on Steward",
              render_template("email/invitation.txt", **context),
              render_template("email/invitation.html", **context), category="core.invitation")
    audit.record(audit.CREATE, invitation, summary=f"Invited {email} as {role.name}")
    return invitation


def invitation_for(token: str) -> Invitation | None:
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or invitation.status != "pending":
        return None
    return invitation


def accept(invitation: Invitation, name: str, password: str) -> User:
    user = create_user(invitation.email, name, password, invitation.role)
    invitation.accepted_at = utcnow()
    audit.record(audit.UPDATE, invitation, summary=f"{invitation.email} accepted the invitation", user=user)
    return user


def _org_name() -> str:
    from app import settings

    return settings.get("core", "org_name") or "Steward"
