"""Signed links that need no login.

Preference links sign a random key stored per contact
(`marketing_preference_key`), never the contact id, with the app's secret
and their own salt; they do not expire (an unsubscribe link in a years-old
newsletter must still work). A link may name a topic: the one-click
unsubscribe of a campaign sent for that topic.

Confirmation links of public sign-ups sign the pending sign-up's random key
with another salt and expire after `CONFIRM_DAYS`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from modules.marketing.models import PendingSignup, PreferenceKey

PREFERENCES_SALT = "steward.marketing.preferences"
CONFIRM_SALT = "steward.marketing.confirm-signup"
CONFIRM_DAYS = 7


def new_key() -> str:
    return secrets.token_urlsafe(24)


# Preference links ---------------------------------------------------------------------

def _preferences() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PREFERENCES_SALT)


def preference_key(contact_id: int) -> str:
    """The contact's newest key, made on first use (the caller commits)."""
    key = db.session.scalar(select(PreferenceKey.key).where(PreferenceKey.contact_id == contact_id)
                            .order_by(PreferenceKey.id.desc()).limit(1))
    if key is None:
        key = new_key()
        db.session.add(PreferenceKey(contact_id=contact_id, key=key))
        db.session.flush()
    return key


def preference_token(contact_id: int, topic_id: int | None = None) -> str:
    return token_for_key(preference_key(contact_id), topic_id)


def token_for_key(key: str, topic_id: int | None = None) -> str:
    """The link for a key already read (sending reads a batch's keys in one query)."""
    payload = {"k": key}
    if topic_id is not None:
        payload["t"] = topic_id
    return _preferences().dumps(payload)


@dataclass(frozen=True)
class PreferenceLink:
    contact_id: int
    topic_id: int | None


def read_preference_token(token: str) -> PreferenceLink | None:
    """Whose preferences a link opens, or None for a forged or dead link."""
    try:
        data = _preferences().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    topic_id = data.get("t")
    contact_id = db.session.scalar(select(PreferenceKey.contact_id).where(PreferenceKey.key == data["k"]))
    if contact_id is None:
        return None
    return PreferenceLink(contact_id, topic_id if isinstance(topic_id, int) else None)


# Confirmation links --------------------------------------------------------------------

def _confirmations() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def confirm_token(signup: PendingSignup) -> str:
    return _confirmations().dumps(signup.key)


class LinkProblem(Exception):
    """Why a confirmation link does not work ("expired" or "invalid")."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def read_confirm_token(token: str) -> PendingSignup:
    try:
        key = _confirmations().loads(token, max_age=CONFIRM_DAYS * 86400)
    except SignatureExpired:
        raise LinkProblem("expired") from None
    except BadSignature:
        raise LinkProblem("invalid") from None
    signup = db.session.scalar(select(PendingSignup).where(PendingSignup.key == key)) \
        if isinstance(key, str) else None
    if signup is None:
        raise LinkProblem("invalid")
    return signup
