"""What pipeline & giving adds to the contact page: the Giving and
Opportunities panels and the timeline entries (gifts, soft credits, pledges,
stage changes). Merge, export and erase live in contact_records.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import bindparam, select

from app.dates import org_zone
from app.extensions import db
from app.permissions import can
from app.statements import built_once
from modules.contacts.activity.timeline import local_today
from modules.contacts.hooks import Panel, TimelineEntry
from modules.contacts.models import Contact
from modules.pipeline import insight
from modules.pipeline.models import (
    FREQUENCIES,
    TRIBUTE_KINDS,
    Appeal,
    Fund,
    Gift,
    Opportunity,
    Pledge,
    SoftCredit,
    Stage,
    StageChange,
)
from modules.pipeline.money import format_money


def link(endpoint: str, **values) -> str | None:
    """The URL of `endpoint`, or None while no view serves it (another
    engineer's area not built yet, or left out)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


# Panels ------------------------------------------------------------------------------

def giving_panel(contact: Contact) -> str:
    data = insight.summary(contact, local_today())
    return render_template("pipeline/insight_giving.html", contact=contact, s=data, money=format_money, day=day,
                           link=link, frequencies=FREQUENCIES)


def opportunities_panel(contact: Contact) -> str:
    rows = insight.open_opportunities(contact.id)
    more = len(rows) > insight.PANEL_ROWS
    return render_template("pipeline/insight_opportunities.html", contact=contact, rows=rows[:insight.PANEL_ROWS],
                           more=more, money=format_money, day=day, link=link)


def panels() -> list[Panel]:
    """Both lazy: their aggregates and statements cost more than the rest of the
    contact page, so they arrive in their own requests after it (issue 4)."""
    return [Panel("giving", "Giving", "giving.view", giving_panel, order=50, lazy=True),
            Panel("opportunities", "Opportunities", "pipeline.view", opportunities_panel, order=60, lazy=True)]


# Timeline ----------------------------------------------------------------------------

def _at(day_: date) -> datetime:
    """A dated record's place on the timeline: the start of its day, in the
    organisation's timezone."""
    return datetime.combine(day_, time.min, tzinfo=org_zone())


def _last_day(before: datetime | None) -> date | None:
    """The last day whose start is strictly before `before` (None: no bound)."""
    if before is None:
        return None
    local = before.astimezone(org_zone())
    return local.date() if local.time() != time.min else local.date() - timedelta(days=1)


def _gift_text(gift: Gift, fund: str | None, appeal: str | None) -> str:
    parts = [p for p in (fund, appeal and f"appeal: {appeal}") if p]
    if gift.tribute_kind:
        parts.append(f"{TRIBUTE_KINDS.get(gift.tribute_kind, 'For')} {gift.tribute_name}")
    if gift.in_kind:
        parts.append("in kind")
    return "; ".join(parts)


@built_once
def _statements(bounded: bool) -> dict:
    """The four timeline queries, with or without a `before` bound (bound
    parameters `contact_id`, `limit`, `last_day`, `before`)."""
    contact_id, limit, last_day = bindparam("contact_id"), bindparam("limit"), bindparam("last_day")

    def bound(query, condition):
        return query.where(condition) if bounded else query

    to_stage, from_stage = db.aliased(Stage), db.aliased(Stage)
    return {
        "gifts": bound(select(Gift, Fund.name, Appeal.name).outerjoin(Fund, Fund.id == Gift.fund_id)
                       .outerjoin(Appeal, Appeal.id == Gift.appeal_id).where(Gift.contact_id == contact_id)
                       .order_by(Gift.received_on.desc(), Gift.id.desc()).limit(limit),
                       Gift.received_on <= last_day),
        "soft_credits": bound(select(SoftCredit, Gift, Contact.display_name).join(Gift, Gift.id == SoftCredit.gift_id)
                              .join(Contact, Contact.id == Gift.contact_id).where(SoftCredit.contact_id == contact_id)
                              .order_by(Gift.received_on.desc(), Gift.id.desc()).limit(limit),
                              Gift.received_on <= last_day),
        "pledges": bound(select(Pledge, Fund.name).outerjoin(Fund, Fund.id == Pledge.fund_id)
                         .where(Pledge.contact_id == contact_id).order_by(Pledge.pledged_on.desc(), Pledge.id.desc())
                         .limit(limit), Pledge.pledged_on <= last_day),
        "stage_changes": bound(select(StageChange, Opportunity.name, from_stage.name, to_stage.name)
                               .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
                               .outerjoin(from_stage, from_stage.id == StageChange.from_stage_id)
                               .outerjoin(to_stage, to_stage.id == StageChange.to_stage_id)
                               .where(StageChange.contact_id == contact_id)
                               .order_by(StageChange.at.desc(), StageChange.id.desc()).limit(limit),
                               StageChange.at < bindparam("before")),
    }


def _rows(name: str, contact_id: int, before: datetime | None, limit: int):
    params = {"contact_id": contact_id, "limit": limit}
    if before is not None:  # dated records by day, stage changes by time
        params.update({"before": before} if name == "stage_changes" else {"last_day": _last_day(before)})
    return db.session.execute(_statements(before is not None)[name], params)


def _gifts(contact_id: int, before, limit: int) -> list[TimelineEntry]:
    return [TimelineEntry(at=_at(g.received_on), kind="gift", title=f"Gift of {format_money(g.amount, g.currency)}",
                          body=_gift_text(g, fund, appeal), url=link("pipeline.gift", gift_id=g.id))
            for g, fund, appeal in _rows("gifts", contact_id, before, limit)]


def _soft_credits(contact_id: int, before, limit: int) -> list[TimelineEntry]:
    entries = []
    for credit, gift, donor in _rows("soft_credits", contact_id, before, limit):
        role = SoftCredit.ROLES.get(credit.role, credit.role).lower()
        entries.append(TimelineEntry(
            at=_at(gift.received_on), kind="soft_credit",
            title=f"Soft credit of {format_money(credit.amount, gift.currency)}",
            body=f"As {role}, for a gift from {'an anonymous donor' if gift.anonymous else donor}",
            url=link("pipeline.gift", gift_id=gift.id)))
    return entries


def _pledges(contact_id: int, before, limit: int) -> list[TimelineEntry]:
    return [TimelineEntry(at=_at(p.pledged_on), kind="pledge",
                          title=f"Pledged {format_money(p.amount, p.currency)}",
                          body="; ".join(filter(None, (fund, {"open": "", "fulfilled": "fulfilled",
                                                              "cancelled": "cancelled"}.get(p.status, p.status)))),
                          url=link("pipeline.pledge", pledge_id=p.id))
            for p, fund in _rows("pledges", contact_id, before, limit)]


def _stage_changes(contact_id: int, before, limit: int) -> list[TimelineEntry]:
    entries = []
    for change, name, old, new in _rows("stage_changes", contact_id, before, limit):
        title = f"{name}: {old} → {new}" if old else f"{name}: opened in {new}"
        entries.append(TimelineEntry(at=change.at, kind="opportunity", title=title,
                                     url=link("pipeline.opportunity", opportunity_id=change.opportunity_id)))
    return entries


def timeline(contact_id: int, before: datetime | None, limit: int) -> list[TimelineEntry]:
    """At most `limit` entries, newest first, from four bounded queries (only
    the kinds the viewer may see: giving.view, pipeline.view)."""
    entries: list[TimelineEntry] = []
    if can("giving.view"):
        entries += _gifts(contact_id, before, limit) + _soft_credits(contact_id, before, limit)
        entries += _pledges(contact_id, before, limit)
    if can("pipeline.view"):
        entries += _stage_changes(contact_id, before, limit)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
