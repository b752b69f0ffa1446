"""Acting on one bounce or complaint, whichever route reported it.

Each report is stored once by its `source_key` (a webhook retried, a DSN
fetched twice: the second is "already recorded" and changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import settings
from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import Activity, Contact, ContactEmail
from modules.marketing import subscriptions
from modules.marketing.bounce_models import BOUNCE_KINDS, COMPLAINT, HARD, SOFT, Bounce
from modules.marketing.campaign_models import Campaign, Event, Recipient
from modules.marketing.models import COMPLAINT as COMPLAINED
from modules.marketing.models import HARD_BOUNCE, SOFT_BOUNCES, SUPPRESSION_REASONS, UNSUBSCRIBED_ALL
from modules.marketing.suppressions import find, normal, suppress
from modules.marketing.tracking import tally

EVENT_KIND = {HARD: "bounce_hard", SOFT: "bounce_soft", COMPLAINT: "complaint"}
COMPLAINT_SOURCE = "spam complaint"


@dataclass
class Found:
    """One address a report is about."""

    email: str
    kind: str  # HARD, SOFT or COMPLAINT
    detail: str = ""
    recipient_id: int | None = None  # from a VERP token
    message_id: str | None = None  # the original message's Message-ID


def soft_rule() -> tuple[int, int]:
    """(how many soft bounces, within how many days) suppress an address."""
    def number(key, default):
        try:
            return max(1, int(settings.get("marketing", key)))
        except (TypeError, ValueError):
            return default
    return number("soft_bounce_limit", 3), number("soft_bounce_days", 30)


def link(found: Found) -> Recipient | None:
    """The campaign recipient row a report is about: by VERP, then by Message-ID."""
    if found.recipient_id is not None:
        row = db.session.get(Recipient, found.recipient_id)
        if row is not None:
            return row
    bare = (found.message_id or "").strip().strip("<>").strip()
    if bare:
        rows = db.session.scalars(select(Recipient).where(Recipient.message_id.in_([bare, f"<{bare}>"]))
                                  .order_by(Recipient.id).limit(5)).all()
        same = [r for r in rows if r.email == normal(found.email)]
        return (same or rows or [None])[0]
    return None


def contacts_with(email: str) -> list[Contact]:
    return db.session.scalars(select(Contact).join(ContactEmail, ContactEmail.contact_id == Contact.id)
                              .where(ContactEmail.email == email, Contact.deleted_at.is_(None))  # stored lower-cased
                              .order_by(Contact.id).distinct()).all()


def _suppress(email: str, reason: str, note: str) -> str:
    """Suppress; a bounce or complaint outranks "unsubscribed from everything"
    (which a new subscription lifts), so it takes that row's place."""
    existing = find(email)
    if existing is not None and existing.reason == UNSUBSCRIBED_ALL and reason != UNSUBSCRIBED_ALL:
        existing.reason, existing.note, existing.created_at = reason, note[:300], utcnow()
        return "suppressed"
    if existing is not None:
        return f"already suppressed ({SUPPRESSION_REASONS.get(existing.reason, existing.reason).lower()})"
    suppress(email, reason, note=note, actor="bounce handling")
    return "suppressed"


def act(found: Found, source: str, key: str) -> str:
    """Record one report and act on it; returns what was done, in words."""
    email = normal(found.email)
    recipient = link(found)
    if not email and recipient is not None:
        email = recipient.email
    label = BOUNCE_KINDS[found.kind].lower()
    if not email or len(email) > 254 or "@" not in email:
        return f"{label} naming no usable address: nothing done"
    key = key[:400]
    if db.session.scalar(select(Bounce.id).where(Bounce.source_key == key)):
        return f"{label} for {email}: already recorded"
    row = Bounce(email=email, kind=found.kind, source=source, source_key=key, detail=found.detail[:500],
                 recipient_id=recipient.id if recipient else None,
                 campaign_id=recipient.campaign_id if recipient else None)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same report, a moment ago, by another worker
        return f"{label} for {email}: already recorded"
    done = _hard(email, found) if found.kind == HARD else \
        _soft(email, found) if found.kind == SOFT else _complaint(email, found)
    if recipient is not None:
        _event(recipient, found)
        name = db.session.scalar(select(Campaign.name).where(Campaign.id == recipient.campaign_id))
        done.append(f"campaign “{name}”")
    return f"{label} for {email}: " + ", ".join(done)


def _hard(email: str, found: Found) -> list[str]:
    done = [_suppress(email, HARD_BOUNCE, found.detail or "hard bounce")]
    noted = _note(email, f"Email to {email} bounced (hard bounce): no more campaigns will go there",
                  found.detail)
    if noted:
        done.append(f"noted on {noted} contact{'s' if noted != 1 else ''}")
    return done


def _soft(email: str, found: Found) -> list[str]:
    limit, days = soft_rule()
    count = db.session.scalar(select(func.count()).select_from(Bounce).where(
        Bounce.email == email, Bounce.kind == SOFT, Bounce.at >= utcnow() - timedelta(days=days)))
    if count < limit:
        return [f"soft bounce {count} of {limit} within {days} days"]
    done = [f"soft bounce {count} of {limit} within {days} days",
            _suppress(email, SOFT_BOUNCES, f"{count} soft bounces within {days} days")]
    noted = _note(email, f"Email to {email} bounced {count} times (soft bounces): no more campaigns will go there",
                  found.detail)
    if noted:
        done.append(f"noted on {noted} contact{'s' if noted != 1 else ''}")
    return done


def _complaint(email: str, found: Found) -> list[str]:
    done = [_suppress(email, COMPLAINED, found.detail or "marked a campaign as spam")]
    people = contacts_with(email)
    left = 0
    for contact in people:
        left += subscriptions.unsubscribe_all(contact, subscriptions.Origin(COMPLAINT_SOURCE))
    _note(email, f"Marked an email to {email} as spam: unsubscribed from everything", found.detail)
    if people:
        done.append(f"{len(people)} contact{'s' if len(people) != 1 else ''} unsubscribed from everything"
                    f" ({left} topic{'s' if left != 1 else ''} left)")
    return done


def _note(email: str, subject: str, detail: str) -> int:
    """A line on the timeline of every contact holding the address."""
    people = contacts_with(email)
    for contact in people:
        db.session.add(Activity(contact_id=contact.id, kind="change", subject=subject[:200], body=detail or ""))
    return len(people)


def _event(recipient: Recipient, found: Found) -> None:
    """The message's event; its first of the kind counts in the campaign's
    tally (tracking/tally.py). Soft bounces are kept each time."""
    kind = EVENT_KIND[found.kind]
    first = tally.first_event(recipient.id, kind)
    if not first and kind != "bounce_soft":
        return  # one hard bounce or complaint per message, however many reports say so
    db.session.add(Event(campaign_id=recipient.campaign_id, recipient_id=recipient.id, kind=kind,
                         detail=found.detail[:2000]))
    if first:
        tally.event(recipient.campaign_id, kind)
