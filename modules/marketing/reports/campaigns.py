"""Campaign performance, engagement decay and unsubscribes by campaign,
counted from the frozen recipient rows and their events and clicks.

Counts are of recipients (unique): a person who opened three times is one
open. "Sent" is a recipient whose message left (row status sent);
"delivered" is sent less bounced (hard or soft); open, click and
unsubscribe rates are shares of delivered, the bounce rate of sent. Opens
are a person's (machine opens by mail scanners are left out); clicks come
from marketing_click, where the tracking redirect records them. Drip
sequences' steps are not campaigns and are left out."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, distinct, func, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.marketing import engagement
from modules.marketing.campaign_models import SEQUENCE_STEP, Campaign, Click, Event

BOUNCES = ("bounce_hard", "bounce_soft")
COUNTED = (*BOUNCES, "open_human", "unsubscribe", "complaint")  # not "delivered": one per message sent
SEQUENCE, MONTHS = "sequence", "months"


def decay_choices() -> list[tuple[str, str]]:
    return [(SEQUENCE, "Campaign sequence (1st, 2nd, 3rd… received)"), (MONTHS, "Months since their first")]


def decay_default() -> str:
    return SEQUENCE


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a percentage with one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _campaign_conditions(values: dict) -> list:
    conditions = [Campaign.status != SEQUENCE_STEP]
    if values.get("from"):
        conditions.append(Campaign.started_at >= datetime.combine(values["from"], time(), UTC))
    if values.get("to"):
        conditions.append(Campaign.started_at < datetime.combine(values["to"] + timedelta(days=1), time(), UTC))
    return conditions


def _counts(values: dict) -> list[dict]:
    """Per campaign with at least one message sent: its name, sent (the
    count the sending job keeps with the rows), and the unique recipients
    per kind of event (bounces counted together) and who clicked."""
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.name, Campaign.started_at, Campaign.sent_count)
        .where(*_campaign_conditions(values), Campaign.sent_count > 0)
        .order_by(Campaign.started_at, Campaign.id)).all()
    ids = [c.id for c in campaigns] or [0]
    kind = case((Event.kind.in_(BOUNCES), "bounce"), else_=Event.kind)
    events: dict[int, dict[str, int]] = defaultdict(dict)
    for campaign_id, name, count in db.session.execute(
            select(Event.campaign_id, kind, func.count(distinct(Event.recipient_id)))
            .where(Event.campaign_id.in_(ids), Event.kind.in_(COUNTED)).group_by(Event.campaign_id, kind)):
        events[campaign_id][name] = count
    for campaign_id, count in db.session.execute(
            select(Click.campaign_id, func.count(distinct(Click.recipient_id)))
            .where(Click.campaign_id.in_(ids)).group_by(Click.campaign_id)):
        events[campaign_id]["click"] = count
    out = []
    for campaign_id, name, started, sent in campaigns:
        got = events.get(campaign_id, {})
        out.append({"id": campaign_id, "name": name, "started": started.date() if started else None,
                    "sent": sent, "bounced": got.get("bounce", 0), "opened": got.get("open_human", 0),
                    "clicked": got.get("click", 0), "unsubscribed": got.get("unsubscribe", 0),
                    "complained": got.get("complaint", 0)})
    return out


def performance(values: dict) -> list[Table]:
    rows = []
    for c in _counts(values):
        delivered = c["sent"] - c["bounced"]
        rows.append((c["name"], c["started"], c["sent"], delivered, c["bounced"], rate(c["bounced"], c["sent"]),
                     c["opened"], rate(c["opened"], delivered), c["clicked"], rate(c["clicked"], delivered),
                     c["unsubscribed"], rate(c["unsubscribed"], delivered)))
    result = Result([Column("campaign", "Campaign"), Column("started", "Started", "date"),
                     Column("sent", "Sent", "number"), Column("delivered", "Delivered", "number"),
                     Column("bounced", "Bounced", "number"), Column("bounce_rate", "Bounce rate", "percent"),
                     Column("opens", "Unique opens", "number"), Column("open_rate", "Open rate", "percent"),
                     Column("clicks", "Unique clicks", "number"), Column("click_rate", "Click rate", "percent"),
                     Column("unsubscribes", "Unsubscribes", "number"),
                     Column("unsubscribe_rate", "Unsubscribe rate", "percent")], rows)
    result.notes.append("Rates are of delivered messages (sent less bounced); the bounce rate is of sent.")
    footer = None
    if rows:
        sent, delivered, bounced = (sum(r[i] for r in rows) for i in (2, 3, 4))
        opens, clicks, unsubs = (sum(r[i] for r in rows) for i in (6, 8, 10))
        footer = ("All campaigns", "", sent, delivered, bounced, rate(bounced, sent), opens, rate(opens, delivered),
                  clicks, rate(clicks, delivered), unsubs, rate(unsubs, delivered))
    return [Table("Campaign performance", result, ChartSpec("bar", "campaign", ("open_rate", "click_rate")),
                  footer=footer)]


def unsubscribes(values: dict) -> list[Table]:
    rows = [(c["name"], c["started"], c["sent"], c["unsubscribed"], rate(c["unsubscribed"], c["sent"] - c["bounced"]),
             c["complained"]) for c in _counts(values)]
    rows.sort(key=lambda r: (-r[3], r[0]))
    result = Result([Column("campaign", "Campaign"), Column("started", "Started", "date"),
                     Column("sent", "Sent", "number"), Column("unsubscribes", "Unsubscribes", "number"),
                     Column("rate", "Unsubscribe rate", "percent"), Column("complaints", "Complaints", "number")],
                    rows)
    footer = ("All campaigns", "", sum(r[2] for r in rows), sum(r[3] for r in rows), None,
              sum(r[5] for r in rows)) if rows else None
    return [Table("Unsubscribes by campaign", result, ChartSpec("bar", "campaign", ("unsubscribes",)),
                  footer=footer)]


def engagement_decay(values: dict) -> list[Table]:
    """Each contact's sent messages, numbered in the order they were sent
    (1st campaign, 2nd…) or by calendar months since their first; per step
    the recipients and the share who opened and who clicked. Read from the
    rollup modules/marketing/engagement.py keeps."""
    by_months = values.get("by") == MONTHS
    by = engagement.BY_MONTHS if by_months else engagement.BY_SEQUENCE
    built = engagement.built()
    if built:
        grouped = engagement.steps(by)
    else:  # a history from before the rollup, until `flask reports rebuild`: one pass over every message
        grouped = sorted((step, r, o, c) for kind, step, r, o, c in engagement.recomputed() if kind == by)
    if by_months:
        label, caption = "Months since their first campaign", "Engagement by months since the first campaign"
    else:
        label, caption = "Campaign received (1st, 2nd…)", "Engagement by campaign sequence"
    rows = [(int(step), int(total), int(o), rate(int(o), int(total)), int(c), rate(int(c), int(total)))
            for step, total, o, c in grouped]
    result = Result([Column("step", label, "number"), Column("recipients", "Recipients", "number"),
                     Column("opened", "Opened", "number"), Column("open_share", "Share opened", "percent"),
                     Column("clicked", "Clicked", "number"), Column("click_share", "Share clicked", "percent")], rows)
    if by_months:
        result.notes.append("0 is the month of a person's first campaign; months are calendar months.")
    if not built:
        result.notes.append("Counted from every message sent, which is slow with a long history: an "
                            "administrator makes it quick with `flask reports rebuild`.")
    return [Table(caption, result, ChartSpec("line", "step", ("open_share", "click_share")))]
