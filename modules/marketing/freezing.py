"""Freezing a campaign's audience: the moment sending starts, the audience
becomes one marketing_recipient row per message, written in chunks; the
addresses left out are counted by reason (Campaign.excluded, keys of
EXCLUSIONS). The sending engine (modules/marketing/sending/) then works
through those rows up to `frozen_max_id`; nobody who joins a segment later
gets this campaign.

Each candidate is checked in this order and counted under the first reason
that applies: erased or trashed, no usable address, do not email (the
contact's flag or its general email opt-in set to "opted out"), in an
excluded segment, unsubscribed from the campaign's topic, suppressed
address, and last a duplicate of an address already taken (with one
message per related contact: the same address and related contact).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from flask import current_app
from redis import RedisError
from sqlalchemy import delete, func, select, update

from app.bulk_insert import insert_rows
from app.extensions import db
from app.models.base import utcnow
from app.page_cache import bigger_page_cache
from modules.contacts.models import Contact
from modules.marketing import audience
from modules.marketing.campaign_models import (
    CANCELLED,
    DRAFT,
    EXCLUSIONS,
    FREEZING,
    QUEUED,
    SCHEDULED,
    SENDING,
    Campaign,
    Recipient,
)
from modules.marketing.tracking import tally

log = logging.getLogger(__name__)
CHUNK = 1_000
PROGRESS_KEY = "steward:marketing:freezing:{}"  # rows written so far, while the job freezes
USABLE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")


class NotStartable(ValueError):
    """The campaign cannot start sending in its state."""


def _stream(campaign: Campaign):
    """(rid, via, email, erased, do_not_email, in_excluded, unsubscribed,
    suppressed) rows, ordered by recipient then related contact."""
    cand = audience.candidates(campaign.audience or {}, campaign.created_by_id)
    if cand is None:
        return []
    email, do_not_email, in_excluded, unsubscribed, suppressed = audience.reason_columns(campaign, cand.c.rid)
    stmt = (select(cand.c.rid, cand.c.via, email, Contact.deleted_at.is_not(None), do_not_email, in_excluded,
                   unsubscribed, suppressed)
            .select_from(cand).join(Contact, Contact.id == cand.c.rid)
            .order_by(cand.c.rid, cand.c.via))
    return db.session.execute(stmt.execution_options(yield_per=CHUNK))


def _grouped(rows, per: str | None):
    """Candidates: (contact id, related ids or None, the row's reasons)."""
    if per is None:
        for row in rows:
            yield row[0], None, row
        return
    if per == audience.EACH:
        for row in rows:
            yield row[0], [row[1]], row
        return
    current, related, first = None, [], None
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, related, first
            current, related, first = row[0], [], row
        related.append(row[1])
    if current is not None:
        yield current, related, first


def _reason(row, seen: set, key) -> str | None:
    _, _, email, erased, do_not_email, in_excluded, unsubscribed, suppressed = row
    if erased:
        return "erased"
    if not email or not USABLE.match(email):
        return "no_email"
    if do_not_email:
        return "do_not_email"
    if in_excluded:
        return "excluded_segment"
    if unsubscribed:
        return "unsubscribed"
    if suppressed:
        return "suppressed"
    if key in seen:
        return "duplicate"
    return None


def freeze(campaign: Campaign) -> None:
    """Write the campaign's recipient rows and counts; status SENDING.
    Runs in the caller's transaction (which commits it)."""
    if campaign.status not in (DRAFT, SCHEDULED, FREEZING):
        raise NotStartable(f"This campaign is {campaign.status}; only a draft or a scheduled one can start.")
    campaign.status = FREEZING
    campaign.paused_reason = ""
    db.session.flush()
    tally.start(campaign.id)  # no message yet, so nothing to count: the writers keep it from here
    expand = audience.expansion(campaign.audience or {})
    per = expand[2] if expand else None
    counts = dict.fromkeys(EXCLUSIONS, 0)
    seen: set = set()
    batch: list[tuple] = []
    table = Recipient.__table__
    columns = ("campaign_id", "contact_id", "email", "related", "status")
    total = 0
    for contact_id, related, row in _grouped(_stream(campaign), per):
        email = row[2]
        key = (email, related[0]) if per == audience.EACH else email
        reason = _reason(row, seen, key)
        if reason is not None:
            counts[reason] += 1
            continue
        seen.add(key)
        batch.append((campaign.id, contact_id, email, related, QUEUED))
        if len(batch) >= CHUNK:
            total += insert_rows(table, columns, batch)
            batch = []
            _tell(campaign.id, total)
    if batch:
        total += insert_rows(table, columns, batch)
    campaign.excluded = counts
    campaign.recipients_total = total
    campaign.frozen_max_id = db.session.scalar(
        select(func.max(Recipient.id)).where(Recipient.campaign_id == campaign.id))
    campaign.cursor = 0
    campaign.status = SENDING
    campaign.started_at = utcnow()
    db.session.flush()


def _tell(campaign_id: int, written: int) -> None:
    """Progress for the campaign page while the job freezes (the rows are
    committed only at the end, so the count lives in Redis meanwhile)."""
    try:
        current_app.extensions["steward"].redis.set(PROGRESS_KEY.format(campaign_id), written, ex=3600)
    except (RedisError, KeyError, AttributeError):
        pass


def written_so_far(campaign_id: int) -> int | None:
    try:
        value = current_app.extensions["steward"].redis.get(PROGRESS_KEY.format(campaign_id))
    except (RedisError, KeyError, AttributeError):
        return None
    return int(value) if value is not None else None


def start_sending(campaign: Campaign, user=None):
    """Hand the campaign to the sending job, which freezes the audience
    first (so "Send" answers at once, whatever the audience's size); the
    job reaches RQ when the caller commits. Returns the Job."""
    from modules.marketing.sending import control

    if campaign.status not in (DRAFT, SCHEDULED):
        raise NotStartable(f"This campaign is {campaign.status}; only a draft or a scheduled one can start.")
    campaign.status, campaign.paused_reason = FREEZING, ""
    job = control.hand_to_new_job(campaign, user)
    db.session.flush()
    return job


def freeze_in_job(campaign: Campaign) -> bool:
    """The sending job's first step: freeze, split an A/B test's share, and
    commit, all at once (a worker killed meanwhile leaves nothing half
    written; the job runs again). False when it cannot be frozen: the
    campaign goes back to draft, saying why."""
    from modules.marketing import ab

    campaign_id = campaign.id
    try:
        # Nothing should be there (a killed run's rows were rolled back), but a
        # second freeze must never double an audience.
        # The recipient rows go in with a bigger SQLite page cache, held until
        # after the commit: shrinking it mid-transaction would write the dirty
        # pages out early, the cost it saves (app/page_cache.py).
        with bigger_page_cache() as cache:
            cache.ensure()
            db.session.execute(delete(Recipient).where(Recipient.campaign_id == campaign_id)
                               .execution_options(synchronize_session=False))
            freeze(campaign)
            ab.split(campaign)
            db.session.commit()
        return True
    except Exception as error:  # a segment gone, a rule that no longer reads
        db.session.rollback()
        log.exception("Campaign %s: the audience could not be frozen", campaign_id)
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == FREEZING)
                           .values(status=DRAFT, job_id=None,
                                   paused_reason=f"The audience could not be prepared: {error}"[:2000]))
        db.session.commit()
        return False


def cancel_schedule(campaign: Campaign) -> bool:
    """A scheduled campaign back to a draft, before its time: True when it
    was still waiting (a conditional update: the schedule may be starting it
    at this very moment)."""
    done = db.session.execute(update(Campaign).where(Campaign.id == campaign.id, Campaign.status == SCHEDULED)
                              .values(status=DRAFT, scheduled_at=None)
                              .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(campaign)
    return bool(done)


def schedule(campaign: Campaign, at: datetime) -> None:
    from app import schedules

    campaign.status = SCHEDULED
    campaign.scheduled_at = at
    campaign.paused_reason = ""
    db.session.flush()
    schedules.wake("marketing.scheduled_campaigns", at)


__all__ = ["CANCELLED", "NotStartable", "cancel_schedule", "freeze", "schedule", "start_sending"]
