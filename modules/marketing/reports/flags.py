"""What happened to one recipient's message, as SQL expressions correlated
to marketing_recipient, for the report source and the standard reports.
Clicks live in marketing_click (what the tracking redirect records), every
other kind in marketing_event."""

from __future__ import annotations

from sqlalchemy import exists, select

from modules.marketing.campaign_models import Click, Event, Recipient


def happened(*kinds: str):
    """True when the recipient's message has an event of one of these kinds."""
    return exists(select(Event.id).where(Event.recipient_id == Recipient.id, Event.kind.in_(kinds))
                  .correlate(Recipient.__table__))


def clicked():
    """True when the recipient clicked at least one tracked link."""
    return exists(select(Click.id).where(Click.recipient_id == Recipient.id).correlate(Recipient.__table__))
