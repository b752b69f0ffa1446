"""The personal links of one campaign message: one-click unsubscribe from
the campaign's topic (or from everything) and the preference page, signed
with the contact's preference key (modules/marketing/tokens.py)."""

from __future__ import annotations

from app.links import external_url
from modules.marketing import tokens

SAMPLE = {"unsubscribe_url": "https://example.org/unsubscribe", "preferences_url": "https://example.org/preferences",
          "view_in_browser_url": ""}


def for_contact(contact_id: int | None, topic_id: int | None) -> dict:
    """The links for `contact_id` (the caller commits: a contact's first key
    is made on first use); sample links without a contact."""
    if contact_id is None:
        return dict(SAMPLE)
    return {"unsubscribe_url": external_url("marketing.unsubscribe",
                                            token=tokens.preference_token(contact_id, topic_id)),
            "preferences_url": external_url("marketing.preferences", token=tokens.preference_token(contact_id)),
            "view_in_browser_url": ""}
