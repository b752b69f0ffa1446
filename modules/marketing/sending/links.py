"""The personal links of one batch: the one-click unsubscribe and the
preference page (signed preference keys, read for the whole batch in one
query), and "view in the browser" (a signed recipient id: no contact id)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.links import external_url
from modules.marketing import tokens
from modules.marketing.models import PreferenceKey

VIEW_SALT = "steward.marketing.view-in-browser"


def _viewer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=VIEW_SALT)


def view_token(recipient_id: int) -> str:
    return _viewer().dumps(recipient_id)


def read_view_token(token: str) -> int | None:
    try:
        value = _viewer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def preference_keys(contact_ids: set[int]) -> dict[int, str]:
    """Each contact's newest key; contacts without one get one (flushed)."""
    keys: dict[int, str] = {}
    if contact_ids:
        for contact_id, key in db.session.execute(
                select(PreferenceKey.contact_id, PreferenceKey.key)
                .where(PreferenceKey.contact_id.in_(contact_ids)).order_by(PreferenceKey.id)):
            keys[contact_id] = key
    missing = contact_ids - keys.keys()
    for contact_id in missing:
        keys[contact_id] = tokens.new_key()
        db.session.add(PreferenceKey(contact_id=contact_id, key=keys[contact_id]))
    if missing:
        db.session.flush()
    return keys


def for_recipient(recipient, key: str, topic_id: int | None) -> dict:
    """`r` (the signed recipient id) lets an unsubscribe be counted for this
    message (modules/marketing/tracking/record.py)."""
    view = view_token(recipient.id)
    return {"unsubscribe": external_url("marketing.unsubscribe", token=tokens.token_for_key(key, topic_id), r=view),
            "preferences": external_url("marketing.preferences", token=tokens.token_for_key(key), r=view),
            "view": external_url("marketing.view_in_browser", token=view)}
