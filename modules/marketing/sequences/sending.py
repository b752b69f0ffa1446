"""Sending the steps that are due, through the campaign engine.

Each step's carrier campaign is compiled once per run (modules/marketing/
rendering.py) and its messages go out with the campaign engine's `Sender`
(modules/marketing/sending/job.py): one SMTP connection per batch, the
shared throttle, List-Unsubscribe headers, VERP and DKIM. Each message is a
marketing_recipient row of the carrier campaign.

Never twice, even late or with several workers:

1. a batch of due enrolments is claimed by one conditional UPDATE (still at
   this step, not claimed by a live run) and committed;
2. each claimed contact is checked again (erased, no address, do not email,
   unsubscribed from the topic, suppressed: they leave the sequence), and
   its message row is written `sending` and committed;
3. after each message, its row, the enrolment's step and the claim are
   settled in one commit.

A worker killed mid-batch leaves its claims; after LEASE another run takes
them and sends the rows still `sending` again: at most the one message that
was on the wire when the worker died arrives twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, or_, select, update

from app.extensions import db
from app.mail import server
from app.models.base import utcnow
from app.templating import TemplateProblem
from modules.contacts.models import OPT_OUT, Contact
from modules.marketing import rendering
from modules.marketing.campaign_models import (
    DEFERRED_ROW,
    FAILED_ROW,
    QUEUED,
    SENDING_ROW,
    SENT_ROW,
    Campaign,
    Recipient,
)
from modules.marketing.freezing import USABLE
from modules.marketing.models import SUBSCRIBED, UNSUBSCRIBED_ALL, Subscription, Suppression
from modules.marketing.sending import options
from modules.marketing.sending.job import Outcome, Sender
from modules.marketing.sequences.models import ACTIVE, FINISHED, IN_PROGRESS, LEFT, Enrolment, Sequence, Step

LEASE = timedelta(minutes=10)  # a claim older than this belongs to a run that died


@dataclass
class Result:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    left: int = 0
    stopped: str = ""  # why the run stopped early: a cap, the server down
    per_step: dict = field(default_factory=dict)

    def add(self, other: Outcome) -> None:
        self.sent, self.failed, self.deferred = (self.sent + other.sent, self.failed + other.failed,
                                                 self.deferred + other.deferred)

    def summary(self) -> str:
        text = f"{self.sent} sent, {self.failed} failed, {self.deferred} deferred, {self.left} left their sequence"
        return text + (f" ({self.stopped})" if self.stopped else "")


def offsets(sequence: Sequence) -> list[tuple[Step, timedelta]]:
    """Each step with its time after entering (the waits up to it)."""
    total, out = 0, []
    for step in sequence.steps:
        total += step.wait_hours
        out.append((step, timedelta(hours=total)))
    return out


def _free(now: datetime):
    return or_(Enrolment.claim.is_(None), Enrolment.claimed_at < now - LEASE)


def _due(sequence_id: int, step: Step, offset: timedelta, now: datetime):
    return (Enrolment.sequence_id == sequence_id, Enrolment.status == IN_PROGRESS,
            Enrolment.steps_sent == step.position - 1, Enrolment.entered_at <= now - offset)


def claim(sequence_id: int, step: Step, offset: timedelta, now: datetime, size: int,
          skip: set[int] = frozenset()) -> tuple[str, list[int]]:
    """Claim up to `size` due enrolments at `step` (committed): (token, ids).
    `skip`: those whose message this run's server deferred (they wait for the next run)."""
    token = secrets.token_hex(8)
    stmt = select(Enrolment.id).where(*_due(sequence_id, step, offset, now), _free(now))
    if skip:
        stmt = stmt.where(Enrolment.id.not_in(skip))
    ids = list(db.session.scalars(stmt.order_by(Enrolment.entered_at, Enrolment.id).limit(size)))
    if ids:
        db.session.execute(update(Enrolment).where(Enrolment.id.in_(ids), *_due(sequence_id, step, offset, now),
                                                   _free(now))
                           .values(claim=token, claimed_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    mine = list(db.session.scalars(select(Enrolment.id).where(Enrolment.claim == token).order_by(Enrolment.id)))
    return token, mine


def _reasons(sequence: Sequence, ids: list[int]) -> dict[int, tuple[str | None, int, str]]:
    """{enrolment id: (why they must leave or None, contact id, address)}."""
    email = func.lower(func.trim(Contact.email))
    subscribed = exists().where(Subscription.contact_id == Contact.id, Subscription.topic_id == sequence.topic_id,
                                Subscription.status == SUBSCRIBED)
    suppressed = select(Suppression.reason).where(Suppression.email == email).limit(1).scalar_subquery()
    rows = db.session.execute(select(
        Enrolment.id, Contact.id, email, Contact.deleted_at.is_not(None),
        or_(Contact.do_not_email.is_(True), Contact.email_opt_in == OPT_OUT), subscribed, suppressed)
        .join(Contact, Contact.id == Enrolment.contact_id).where(Enrolment.id.in_(ids)))
    out = {}
    for enrolment_id, contact_id, address, erased, do_not_email, is_subscribed, suppression in rows:
        reason = None
        if erased:
            reason = "erased"
        elif not address or not USABLE.match(address):
            reason = "no_email"
        elif do_not_email:
            reason = "do_not_email"
        elif suppression is not None:
            reason = "unsubscribed_all" if suppression == UNSUBSCRIBED_ALL else "suppressed"
        elif not is_subscribed:
            reason = "unsubscribed"
        out[enrolment_id] = (reason, contact_id, address or "")
    return out


def _prepare(sequence: Sequence, step: Step, token: str, ids: list[int], result: Result) -> dict[int, int]:
    """Leave the ineligible; a `sending` message row for each of the rest
    (the one a dead run left, else a new one). {recipient id: enrolment id}."""
    now = utcnow()
    rows: dict[int, int] = {}
    new = 0
    loaded = {e.id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.id.in_(ids)))}
    in_flight = [e.recipient_id for e in loaded.values() if e.recipient_id]
    earlier = {r.id: r for r in db.session.scalars(select(Recipient).where(Recipient.id.in_(in_flight)))} \
        if in_flight else {}
    for enrolment_id, (reason, contact_id, address) in _reasons(sequence, ids).items():
        enrolment = loaded[enrolment_id]
        if reason is not None:
            enrolment.status, enrolment.left_reason, enrolment.ended_at = LEFT, reason, now
            enrolment.claim = enrolment.claimed_at = None
            result.left += 1
            continue
        row = earlier.get(enrolment.recipient_id)
        if row is None or row.campaign_id != step.campaign_id or row.status not in (QUEUED, SENDING_ROW,
                                                                                    DEFERRED_ROW):
            row = Recipient(campaign_id=step.campaign_id, contact_id=contact_id, email=address)
            db.session.add(row)
            new += 1
        row.status, row.email = SENDING_ROW, address
        db.session.flush()
        enrolment.recipient_id = row.id
        rows[row.id] = enrolment_id
    if new:
        db.session.execute(update(Campaign).where(Campaign.id == step.campaign_id)
                           .values(recipients_total=Campaign.recipients_total + new))
    db.session.commit()
    return rows


class StepSender(Sender):
    """The campaign engine's Sender, settling each message as it goes: the
    recipient row, the enrolment's step and the carrier's counts in one
    commit, so a killed worker leaves only the message in flight unsettled."""

    def __init__(self, campaign, compiled, opts, *, step: Step, last: bool, token: str, enrolments: dict[int, int]):
        super().__init__(campaign, compiled, opts)
        self.campaign_id, self.position, self.last = campaign.id, step.position, last
        self.token, self.enrolments = token, enrolments
        self.max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]

    def _settle(self, out: Outcome, row: Recipient, status: str, error: str = "") -> None:
        if status == DEFERRED_ROW and row.attempts + 1 >= self.max_attempts:
            status, error = FAILED_ROW, f"Gave up after {row.attempts + 1} attempts: {error}"
        super()._settle(out, row, status, error)
        values = {"claim": None, "claimed_at": None}
        if status in (SENT_ROW, FAILED_ROW):  # a 5xx is final: the next step is still theirs
            values.update(steps_sent=self.position, recipient_id=None)
            if self.last:
                values.update(status=FINISHED, ended_at=utcnow())
        db.session.execute(update(Enrolment).where(Enrolment.id == self.enrolments[row.id],
                                                   Enrolment.claim == self.token).values(**values)
                           .execution_options(synchronize_session=False))
        counts = {SENT_ROW: {"sent_count": Campaign.sent_count + 1},
                  FAILED_ROW: {"failed_count": Campaign.failed_count + 1}}.get(status)
        if counts:
            db.session.execute(update(Campaign).where(Campaign.id == self.campaign_id).values(**counts)
                               .execution_options(synchronize_session=False))
        db.session.commit()


def _release(token: str) -> None:
    """Claims this run took but did not settle (a cap stopped the batch)."""
    db.session.execute(update(Enrolment).where(Enrolment.claim == token).values(claim=None, claimed_at=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def send_due(now: datetime | None = None, *, max_batches: int = 1000) -> Result:
    """Send every step that is due (steps due long ago too: late, once)."""
    now = now or utcnow()
    result = Result()
    if server.current() is None:
        result.stopped = "no mail server is set"
        return result
    sequence_ids = list(db.session.scalars(select(Sequence.id).where(Sequence.status == ACTIVE)
                                           .order_by(Sequence.id)))
    batches, tried = 0, set()
    for sequence_id in sequence_ids:
        sequence = db.session.get(Sequence, sequence_id)
        steps = offsets(sequence)
        for step, offset in reversed(steps):  # the furthest first: no one waits behind new entrants
            step_id, position = step.id, step.position
            try:
                compiled = rendering.compile_campaign(step.campaign)
            except TemplateProblem as problem:
                current_app.logger.warning("sequence %s step %s cannot be rendered: %s", sequence_id, position,
                                           problem)
                continue
            while batches < max_batches:
                opts = options.current()
                if db.session.get(Sequence, sequence_id).status != ACTIVE:
                    break  # paused meanwhile: the rest waits for it to be switched on
                step = db.session.get(Step, step_id)
                token, ids = claim(sequence_id, step, offset, now, opts.batch_size, tried)
                if not ids:
                    break
                batches += 1
                sequence, step = db.session.get(Sequence, sequence_id), db.session.get(Step, step_id)
                rows = _prepare(sequence, step, token, ids, result)
                if rows:
                    campaign = db.session.get(Campaign, step.campaign_id)
                    recipients = list(db.session.scalars(select(Recipient).where(Recipient.id.in_(rows))
                                                         .order_by(Recipient.id)))
                    sender = StepSender(campaign, compiled, opts, step=step, last=position == len(steps),
                                        token=token, enrolments=rows)
                    out = sender.send(recipients)
                    result.add(out)
                    if out.deferred:  # they wait for the next run, not this one
                        tried.update(db.session.scalars(select(Enrolment.id).where(
                            Enrolment.id.in_(ids), Enrolment.status == IN_PROGRESS,
                            Enrolment.steps_sent == position - 1)))
                    result.per_step[step_id] = result.per_step.get(step_id, 0) + out.sent
                    _release(token)
                    if out.wait is not None:
                        result.stopped = f"waiting for the {out.wait.window} cap"
                        return result
                    if out.down:
                        result.stopped = f"the mail server could not be reached: {out.down}"
                        return result
                else:
                    _release(token)
    return result


def next_due(now: datetime | None = None) -> datetime | None:
    """When the earliest step of an active sequence is next due."""
    now = now or utcnow()
    earliest = None
    for sequence in db.session.scalars(select(Sequence).where(Sequence.status == ACTIVE)):
        for step, offset in offsets(sequence):
            first = db.session.scalar(select(func.min(Enrolment.entered_at)).where(
                Enrolment.sequence_id == sequence.id, Enrolment.status == IN_PROGRESS,
                Enrolment.steps_sent == step.position - 1))
            if first is not None:
                at = first + offset
                earliest = at if earliest is None or at < earliest else earliest
    return earliest
