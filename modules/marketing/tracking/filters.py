"""The filter builder's campaign criteria (contacts' FilterSpec, through the
marketing manifest): received campaign X, clicked in campaign X, opened
(any campaign or X), opened none of the last N campaigns, bounced.

Each is an EXISTS correlated to the contact, on indexed columns: the
contact's messages by ix_marketing_recipient_contact_campaign (contact_id,
campaign_id) or ix_marketing_recipient_contact (contact_id, id), their
clicks by uq_marketing_click_recipient_link (recipient_id, ...) and their
events by ix_marketing_event_recipient (recipient_id, kind). "Opened" means
a person opened it (see tracking/opens.py) or clicked a link in it: a
machine's fetch is no sign anyone read it.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.ids import parse_id
from modules.contacts.hooks import FilterSpec
from modules.contacts.models import Contact
from modules.marketing.campaign_models import DRAFT, SCHEDULED, SENT_ROW, Campaign, Click, Event, Recipient

ANY = "any"
MAX_N = 50
GROUP = "Marketing"
PERMISSION = "marketing.view"


def _campaign(value, *, any_ok: bool = False) -> int | None:
    if any_ok and value == ANY:
        return None
    found = parse_id(value)
    if found is None:
        raise ValueError("Choose a campaign." if not any_ok else "Choose a campaign, or any campaign.")
    return found


def _negate(op: str, condition):
    return not_(condition) if op in ("is_not", "no") else condition


def _messages(campaign_id: int | None):
    """An alias of the contact's sent messages and its conditions."""
    r = aliased(Recipient)
    conditions = [r.contact_id == Contact.id, r.status == SENT_ROW]
    if campaign_id is not None:
        conditions.append(r.campaign_id == campaign_id)
    return r, conditions


def received(op, value):
    _, conditions = _messages(_campaign(value))
    return _negate(op, exists().where(*conditions))


def clicked_in(r):
    return exists().where(Click.recipient_id == r.id)


def opened_in(r):
    return or_(exists().where(Event.recipient_id == r.id, Event.kind == "open_human"), clicked_in(r))


def clicked(op, value):
    r, conditions = _messages(_campaign(value, any_ok=True))
    return _negate(op, exists().where(*conditions, clicked_in(r)))


def opened(op, value):
    r, conditions = _messages(_campaign(value, any_ok=True))
    return _negate(op, exists().where(*conditions, opened_in(r)))


def last_campaigns(n: int) -> list[int]:
    """The organisation's N most recently started campaigns."""
    return list(db.session.scalars(
        select(Campaign.id).where(Campaign.status.not_in((DRAFT, SCHEDULED)))
        .order_by(func.coalesce(Campaign.started_at, Campaign.created_at).desc(), Campaign.id.desc()).limit(n)))


def not_opened_last(op, value):
    """Of the organisation's last N campaigns, they were sent at least one
    and opened none. (The campaigns are read when the rule is applied, so
    a saved segment follows each new campaign.) Both halves probe the
    (contact_id, campaign_id) index, so the contacts list walks its sort
    order and stops at a page instead of working out every contact."""
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValueError("Enter how many campaigns, a whole number.") from None
    if not 1 <= n <= MAX_N:
        raise ValueError(f"Enter a number from 1 to {MAX_N}.")
    ids = last_campaigns(n)
    if not ids:
        return false()
    sent_r, sent = _messages(None)
    opened_r, opened_conditions = _messages(None)
    return and_(exists().where(*sent, sent_r.campaign_id.in_(ids)),
                not_(exists().where(*opened_conditions, opened_r.campaign_id.in_(ids), opened_in(opened_r))))


def bounced(op, _value):
    r, conditions = _messages(None)
    kinds = ("bounce_hard",) if op == "hard" else ("bounce_hard", "bounce_soft")
    condition = exists().where(*conditions, exists().where(Event.recipient_id == r.id, Event.kind.in_(kinds)))
    return not_(condition) if op == "no" else condition


def campaign_choices(with_any: bool = False):
    rows = db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.status.not_in((DRAFT, SCHEDULED)))
                              .order_by(Campaign.id.desc()).limit(300)).all()
    return ([(ANY, "any campaign")] if with_any else []) + [(str(i), name) for i, name in rows]


def filters() -> list[FilterSpec]:
    def spec(key, label, ops, apply, input_="choice", choices=None):
        return FilterSpec(key, label, ops, apply, input_, choices, permission=PERMISSION, group=GROUP)

    return [
        spec("campaign_received", "Received campaign", {"is": "received", "is_not": "did not receive"}, received,
             choices=campaign_choices),
        spec("campaign_clicked", "Clicked a link in", {"is": "clicked in", "is_not": "did not click in"}, clicked,
             choices=lambda: campaign_choices(True)),
        spec("campaign_opened", "Opened", {"is": "opened", "is_not": "did not open"}, opened,
             choices=lambda: campaign_choices(True)),
        spec("campaign_not_opened", "Opened none of the last campaigns", {"is": "number of campaigns"},
             not_opened_last, "number"),
        spec("campaign_bounced", "Bounced", {"yes": "bounced (hard or soft)", "hard": "bounced hard",
                                             "no": "never bounced"}, bounced, "none"),
    ]
