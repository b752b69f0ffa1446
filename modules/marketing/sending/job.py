"""The job "marketing.send_campaign": `run(job, campaign_id)`.

The database is the truth. Each batch is claimed (its rows marked
`sending`, committed), sent over one SMTP connection, and settled: every
row sent (Message-ID, time), failed (a 5xx answer: never retried) or
deferred (a 4xx answer, or the server down: retried later with backoff),
with the campaign's counts and cursor in the same commit. So a worker that
dies mid-batch leaves only that batch's rows `sending`; the next run sends
them again (the only possible duplicates) and every other row once.

Only the job named by `campaign.job_id` may send: pausing, resuming or a
continuation names a new one, so a stale job that wakes up stops.
The main pass walks ids above the cursor up to `frozen_max_id`; rows it
defers wait for a continuation job (`retry_deferred`) queued with backoff,
which retries them first, then carries on with the main pass.
"""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis import RedisError
from sqlalchemy import func, select, update

from app.database import hold_row_lock
from app.extensions import db
from app.jobs import enqueue
from app.mail import server
from app.mail.delivery import backoff
from app.models.base import utcnow
from app.templating import TemplateProblem
from modules.contacts.models import Contact
from modules.contacts.people import addressing
from modules.marketing import ab, engagement, rendering, signals
from modules.marketing.campaign_models import (
    AB_TESTING,
    DEFERRED_ROW,
    FAILED_ROW,
    FREEZING,
    PAUSED,
    QUEUED,
    SENDING,
    SENDING_ROW,
    SENT,
    SENT_ROW,
    Campaign,
    Recipient,
)
from modules.marketing.sending import links, message, options, throttle
from modules.marketing.tracking import links as tracking_links

KIND = "marketing.send_campaign"
WINDOW_WORDS = {"hour": "the hourly cap", "day": "the daily cap", "redis": "Redis to be reachable again"}
REDIS_RETRY = 30  # seconds


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    down: str = ""  # the server could not be reached or dropped us: why
    wait: throttle.Wait | None = None  # a cap is reached: when its window opens
    last_answer: str = ""
    settled: list = field(default_factory=list)


def continue_later(campaign: Campaign, delay: timedelta, *, round_: int, note: str = "") -> None:
    """Hand the campaign to a new job that starts after `delay` (commits)."""
    job = enqueue(KIND, f"Send campaign “{campaign.name}”",
                  {"campaign_id": campaign.id, "retry_deferred": True, "round": round_}, delay=delay)
    job.message = note
    campaign.job_id = job.id
    db.session.commit()


def _claim(campaign_id: int, job_id: int, size: int, deferred_after: int | None) -> list[Recipient] | None:
    """The next batch, marked `sending` and committed; None when this job
    no longer owns a sending campaign (paused, cancelled, handed on)."""
    campaign = db.session.get(Campaign, campaign_id)
    hold_row_lock(campaign)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign.status != SENDING or campaign.job_id != job_id:
        db.session.rollback()
        return None
    stmt = select(Recipient).where(Recipient.campaign_id == campaign_id,
                                   Recipient.id <= (campaign.frozen_max_id or 0))
    if campaign.ab_phase == AB_TESTING:  # an A/B test sends its share first (modules/marketing/ab.py)
        stmt = stmt.where(Recipient.variant != "")
    if deferred_after is None:  # the main pass: what is left above the checkpoint
        stmt = stmt.where(Recipient.id > campaign.cursor, Recipient.status.in_((QUEUED, SENDING_ROW)))
    else:  # the retry pass: deferred rows below it (and any a killed retry pass left `sending`)
        stmt = stmt.where(Recipient.id <= campaign.cursor, Recipient.id > deferred_after,
                          Recipient.status.in_((DEFERRED_ROW, SENDING_ROW)))
    ids = list(db.session.scalars(stmt.with_only_columns(Recipient.id).order_by(Recipient.id).limit(size)))
    if ids:
        db.session.execute(update(Recipient).where(Recipient.id.in_(ids)).values(status=SENDING_ROW)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    # Read after the commit, in one query (the commit expired what was loaded).
    return list(db.session.scalars(select(Recipient).where(Recipient.id.in_(ids)).order_by(Recipient.id))) \
        if ids else []


def _answer(error: Exception) -> tuple[int | None, str]:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
    else:
        code, text = getattr(error, "smtp_code", None), getattr(error, "smtp_error", str(error))
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return code, f"{code} {text}".strip() if code else f"{type(error).__name__}: {text}"


class Sender:
    """Renders and sends one batch over one connection."""

    def __init__(self, campaign: Campaign, compiled, opts: options.Options, tracker=None):
        self.campaign, self.compiled, self.opts = campaign, compiled, opts
        self.tracker = tracker  # tracking/links.py Tracker: click links and the open pixel
        self.redis = current_app.extensions["steward"].redis
        sender = campaign.sender
        self.from_email = sender.email if sender else server.sender()
        self.from_name = sender.name if sender else ""
        self.reply_to = campaign.reply_to or (sender.reply_to if sender else "")

    def _people(self, rows: list[Recipient]) -> dict[int, Contact]:
        ids = {r.contact_id for r in rows if r.contact_id} | {i for r in rows for i in (r.related or [])}
        return {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)))} if ids else {}

    def _wait_for_rate(self) -> throttle.Wait | None:
        while True:
            try:
                wait = throttle.take(self.redis, self.opts)
            except RedisError:
                # The shared counters are unreachable (Redis restarting): the
                # limits cannot be honoured, so this batch stops and waits.
                return throttle.Wait("redis", time.time() + REDIS_RETRY)
            if wait is None or wait.window != "second":
                return wait
            time.sleep(max(0.0, wait.until - time.time()))

    def send(self, rows: list[Recipient], untried: str = QUEUED) -> Outcome:
        """`untried`: the state rows a cap kept from being tried go back to
        (queued in the main pass, deferred in the retry pass)."""
        out = Outcome()
        people = self._people(rows)
        addressed = addressing.of_many(people.values())
        keys = links.preference_keys({r.contact_id for r in rows if r.contact_id})
        pending = list(rows)
        try:
            with server.connect() as connection:
                while pending:
                    row = pending[0]
                    contact = people.get(row.contact_id)
                    if contact is None or not row.email:
                        self._settle(out, pending.pop(0), FAILED_ROW, "The contact was erased before sending.")
                        continue
                    try:
                        personal = links.for_recipient(row, keys[row.contact_id], self.campaign.topic_id)
                        context = rendering.recipient_context(
                            row, contact, [people[i] for i in (row.related or []) if i in people], personal,
                            addressed=addressed)
                        tracked, pixel = None, ""
                        if self.tracker is not None:
                            tracked = self.tracker.rewriter(row.id, set(personal.values()))
                            pixel = self.tracker.pixel(row.id)
                        envelope = message.build(self.campaign, row, self.compiled.render(context, tracked, pixel),
                                                 personal,
                                                 self.opts, self.from_name, self.from_email, self.reply_to)
                    except TemplateProblem as problem:
                        self._settle(out, pending.pop(0), FAILED_ROW, f"Not sent: {problem}")
                        continue
                    wait = self._wait_for_rate()
                    if wait is not None:
                        out.wait = wait
                        break
                    try:
                        connection.host.sendmail(envelope.sender, [envelope.recipient], envelope.raw)
                    except smtplib.SMTPServerDisconnected:
                        raise
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                        code, words = _answer(error)
                        permanent = isinstance(code, int) and 500 <= code < 600
                        self._settle(out, pending.pop(0), FAILED_ROW if permanent else DEFERRED_ROW, words)
                    else:
                        row.message_id = envelope.message_id
                        self._settle(out, pending.pop(0), SENT_ROW)
        except (smtplib.SMTPException, OSError) as error:
            out.down = _answer(error)[1]
            for row in pending:
                self._settle(out, row, DEFERRED_ROW, f"The mail server could not be reached: {out.down}")
            pending = []
        for row in pending:  # a cap stopped the batch: not tried, back where they were
            row.status = untried
        return out

    def _settle(self, out: Outcome, row: Recipient, status: str, error: str = "") -> None:
        row.status, row.error = status, error[:500]
        row.attempts += 1
        out.settled.append(row.id)
        if status == SENT_ROW:
            row.sent_at = utcnow()
            out.sent += 1
        elif status == FAILED_ROW:
            out.failed += 1
            out.last_answer = error
        else:
            out.deferred += 1
            out.last_answer = error


def _give_up_on_deferred(rows: list[Recipient], out: Outcome, limit: int) -> None:
    """A row deferred `limit` times fails for good."""
    for row in rows:
        if row.status == DEFERRED_ROW and row.attempts >= limit:
            row.status = FAILED_ROW
            row.error = f"Gave up after {row.attempts} attempts: {row.error}"[:500]
            out.deferred -= 1
            out.failed += 1


def _record(campaign: Campaign, rows: list[Recipient], out: Outcome, opts: options.Options,
            main_pass: bool, history: engagement.Sent) -> bool:
    """Counts, cursor, engagement decay's rollup and the auto-pause,
    committed with the rows. True when the campaign paused itself."""
    _give_up_on_deferred(rows, out, current_app.config["MAIL_MAX_ATTEMPTS"])
    history.done(rows)
    campaign.sent_count += out.sent
    campaign.failed_count += out.failed
    if main_pass and out.settled:
        campaign.cursor = max(campaign.cursor, max(out.settled))
    tried = out.sent + out.failed + out.deferred
    bad = out.failed + (out.deferred if not out.down else 0)
    paused = bool(tried) and opts.pause_share < 100 and bad * 100 > opts.pause_share * tried
    if paused and campaign.status == SENDING:
        campaign.status = PAUSED
        campaign.paused_reason = (
            f"Paused by itself: {bad} of the {tried} messages of the last batch could not be sent "
            f"({bad * 100 // tried}%, more than the {opts.pause_share}% allowed in Admin → Campaign sending). "
            f"The last problem: {out.last_answer}")
    db.session.commit()
    return paused


def _deferred_left(campaign_id: int) -> tuple[int, int]:
    return db.session.execute(select(func.count(), func.coalesce(func.min(Recipient.attempts), 0)).where(
        Recipient.campaign_id == campaign_id, Recipient.status == DEFERRED_ROW)).one()


def run(job, campaign_id: int, retry_deferred: bool = False, round: int = 0) -> dict:  # noqa: A002
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is not None and campaign.status == FREEZING and campaign.job_id == job.id:
        from modules.marketing import freezing

        if not freezing.freeze_in_job(campaign):
            return {"note": "the audience could not be frozen"}
        campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != SENDING or campaign.job_id != job.id:
        return {"note": "the campaign is not sending with this job"}
    if server.current() is None:
        campaign.status, campaign.paused_reason = PAUSED, (
            "Paused: no mail server is set (Admin → Mail server). Resume once one is.")
        db.session.commit()
        return {"note": "no mail server"}
    try:
        compiled = rendering.compile_campaign(campaign)
    except TemplateProblem as problem:
        campaign.status = PAUSED
        campaign.paused_reason = f"Paused: the campaign's text cannot be filled in ({problem}). Fix it, then resume."
        db.session.commit()
        return {"note": "template problem"}
    tracker = tracking_links.start(campaign, compiled)  # commits the campaign's link list
    totals = Outcome()
    # Deferred rows first (this job was queued with their backoff), then the
    # rest; what this run defers waits for the next job.
    passes = ([0] if retry_deferred else []) + [None]
    for deferred_after in passes:
        while True:
            opts = options.current()
            rows = _claim(campaign_id, job.id, opts.batch_size, deferred_after)
            if rows is None:
                return _summary(totals, "stopped: paused, cancelled or handed on")
            if not rows:
                break
            campaign = db.session.get(Campaign, campaign_id)
            history = engagement.Sent(row.contact_id for row in rows)  # engagement decay's rollup
            untried = QUEUED if deferred_after is None else DEFERRED_ROW
            out = Sender(campaign, compiled, opts, tracker).send(rows, untried)
            totals.sent, totals.failed = totals.sent + out.sent, totals.failed + out.failed
            if deferred_after is not None:
                deferred_after = rows[-1].id
            if _record(campaign, rows, out, opts, deferred_after is None, history):
                return _summary(totals, "paused by itself")
            if out.wait is not None:
                opens = datetime.fromtimestamp(out.wait.until, UTC)
                continue_later(campaign, max(timedelta(seconds=1), opens - utcnow()), round_=round,
                               note=f"Waiting for {WINDOW_WORDS[out.wait.window]}: sending again at "
                                    f"{opens:%H:%M} UTC.")
                return _summary(totals, "waiting for a cap")
            if out.down:
                continue_later(campaign, backoff(round + 1), round_=round + 1,
                               note=f"The mail server could not be reached; trying again later. ({out.down})")
                return _summary(totals, "mail server down")
    campaign = db.session.get(Campaign, campaign_id)
    left, attempts = _deferred_left(campaign_id)
    if left:
        continue_later(campaign, backoff(max(attempts, round + 1)), round_=round + 1,
                       note=f"{left} message(s) were deferred by the mail server; trying them again later.")
        return _summary(totals, "deferred messages wait")
    if ab.test_sent(campaign):  # commits: the rest waits for the winner
        return _summary(totals, "A/B test sent; the winner waits for its time")
    finish(campaign)
    db.session.commit()
    return _summary(totals, "sent")


def finish(campaign: Campaign) -> bool:
    """Mark the campaign SENT and announce it (`signals.campaign_sent`), in
    the caller's transaction. A conditional UPDATE: of two workers finishing
    the same campaign only one changes the row, so the event is sent once."""
    now = utcnow()
    changed = db.session.execute(update(Campaign).where(Campaign.id == campaign.id, Campaign.status != SENT)
                                 .values(status=SENT, finished_at=now)).rowcount
    db.session.refresh(campaign)
    if changed:
        signals.campaign_sent.send(campaign)
    return bool(changed)


def _summary(out: Outcome, note: str) -> dict:
    return {"sent": out.sent, "failed": out.failed, "note": note}
