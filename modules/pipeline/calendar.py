"""A user's open opportunities on their expected close dates, for their
calendar feed (app/calendar_feed/)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.links import external_url
from app.registry import CalendarItem
from modules.contacts.models import Contact
from modules.pipeline.models import OPEN, Opportunity, Stage
from modules.pipeline.money import format_money


def items(user, start: date, end: date) -> list[CalendarItem]:
    rows = db.session.execute(
        select(Opportunity.id, Opportunity.name, Opportunity.expected_close, Opportunity.amount,
               Opportunity.currency, Opportunity.next_step, Stage.name, Contact.display_name)
        .join(Stage, Stage.id == Opportunity.stage_id).join(Contact, Contact.id == Opportunity.contact_id)
        .where(Opportunity.owner_id == user.id, Stage.outcome == OPEN, Opportunity.expected_close >= start,
               Opportunity.expected_close <= end, Contact.deleted_at.is_(None))
        .order_by(Opportunity.expected_close, Opportunity.id).limit(2000))
    out = []
    for opp_id, name, close, amount, currency, next_step, stage, contact in rows:
        detail = f"{contact}: {format_money(amount, currency)}, {stage}."
        if next_step:
            detail += f"\nNext step: {next_step}"
        out.append(CalendarItem(uid=f"opportunity-{opp_id}", title=f"Expected to close: {name}", day=close,
                                url=external_url("pipeline.opportunity", opportunity_id=opp_id), detail=detail))
    return out
