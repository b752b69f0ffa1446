"""Sequence entries on the contact's timeline: entered, each step sent, and
finished or left (with why). Three bounded queries, newest first."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select

from app.extensions import db
from app.permissions import can
from modules.contacts.hooks import TimelineEntry
from modules.marketing.campaign_models import SENT_ROW, Campaign, Recipient
from modules.marketing.sequences.models import FINISHED, LEFT, LEFT_REASONS, Enrolment, Sequence, Step


def _before(column, before: datetime | None):
    return [column < before] if before is not None else []


def timeline(contact_id: int, before: datetime | None, limit: int) -> list[TimelineEntry]:
    if not can("marketing.view"):
        return []
    entries: list[TimelineEntry] = []
    for enrolment, name in db.session.execute(
            select(Enrolment, Sequence.name).join(Sequence, Sequence.id == Enrolment.sequence_id)
            .where(Enrolment.contact_id == contact_id, *_before(Enrolment.entered_at, before))
            .order_by(Enrolment.entered_at.desc()).limit(limit)):
        url = url_for("marketing.sequence", sequence_id=enrolment.sequence_id)
        entries.append(TimelineEntry(at=enrolment.entered_at, kind="sequence", title=f"Entered the sequence “{name}”",
                                     body=f"By {enrolment.source}" if enrolment.source else "", url=url))
    if not entries and before is None:  # never in a sequence (the usual case): nothing ended, no step sent
        return []
    for enrolment, name in db.session.execute(
            select(Enrolment, Sequence.name).join(Sequence, Sequence.id == Enrolment.sequence_id)
            .where(Enrolment.contact_id == contact_id, Enrolment.ended_at.is_not(None),
                   Enrolment.status.in_((FINISHED, LEFT)), *_before(Enrolment.ended_at, before))
            .order_by(Enrolment.ended_at.desc()).limit(limit)):
        url = url_for("marketing.sequence", sequence_id=enrolment.sequence_id)
        if enrolment.status == FINISHED:
            entries.append(TimelineEntry(at=enrolment.ended_at, kind="sequence", url=url,
                                         title=f"Finished the sequence “{name}”"))
        else:
            entries.append(TimelineEntry(at=enrolment.ended_at, kind="sequence", url=url,
                                         title=f"Left the sequence “{name}”",
                                         body=LEFT_REASONS.get(enrolment.left_reason, enrolment.left_reason)))
    for sent_at, position, name, sequence_id, subject in db.session.execute(
            select(Recipient.sent_at, Step.position, Sequence.name, Sequence.id, Campaign.subject)
            .join(Step, Step.campaign_id == Recipient.campaign_id).join(Sequence, Sequence.id == Step.sequence_id)
            .join(Campaign, Campaign.id == Step.campaign_id)
            .where(Recipient.contact_id == contact_id, Recipient.status == SENT_ROW, Recipient.sent_at.is_not(None),
                   *_before(Recipient.sent_at, before))
            .order_by(Recipient.sent_at.desc()).limit(limit)):
        entries.append(TimelineEntry(at=sent_at, kind="sequence", title=f"Sent step {position} of “{name}”",
                                     body=subject, url=url_for("marketing.sequence", sequence_id=sequence_id)))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
