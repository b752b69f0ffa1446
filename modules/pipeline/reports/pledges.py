"""Pledges outstanding: every open pledge with what has been paid on it
(gifts linked to it), what is still to come and what is overdue (the
installments due by today, less what was paid)."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from sqlalchemy import desc, func, literal, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import Table
from modules.contacts.activity.timeline import local_today
from modules.contacts.models import Contact
from modules.pipeline.models import Gift, Pledge, PledgeInstallment
from modules.pipeline.money import Money
from modules.pipeline.reports import periods

ROWS = 100


def outstanding(values: dict) -> list[Table]:
    today = local_today()
    paid = (select(func.coalesce(func.sum(Gift.amount), literal(0, Money))).where(Gift.pledge_id == Pledge.id)
            .correlate(Pledge).scalar_subquery())
    due = (select(func.coalesce(func.sum(PledgeInstallment.amount), literal(0, Money)))
           .where(PledgeInstallment.pledge_id == Pledge.id, PledgeInstallment.due_on <= today)
           .correlate(Pledge).scalar_subquery())
    conditions = [Pledge.status == "open", Contact.deleted_at.is_(None)]
    fund = periods.chosen_id(values, "fund")
    if fund is not None:
        conditions.append(Pledge.fund_id == fund)
    base = (select(Pledge.id, Contact.display_name, Pledge.pledged_on, Pledge.currency, Pledge.amount,
                   paid.label("paid"), due.label("due"))
            .join(Contact, Contact.id == Pledge.contact_id).where(*conditions).subquery())
    left = base.c.amount - base.c.paid
    rows, drill = [], []
    for pid, name, on, currency, amount, got, due_now in db.session.execute(
            select(base).order_by(desc(left), base.c.id).limit(ROWS)):
        got, due_now = periods.money(got), periods.money(due_now)
        rows.append((name, on, currency, amount, got, max(amount - got, Decimal(0)), max(due_now - got, Decimal(0))))
        drill.append(url_for("pipeline.pledge", pledge_id=pid))
    totals = {currency: (n, periods.money(a), periods.money(g)) for currency, n, a, g in db.session.execute(
        select(base.c.currency, func.count(), func.sum(base.c.amount), func.sum(base.c.paid))
        .group_by(base.c.currency))}
    result = Result([Column("donor", "Donor"), Column("pledged_on", "Pledged on", "date"),
                     Column("currency", "Currency"), Column("amount", "Pledged", "money"),
                     Column("paid", "Paid", "money"), Column("outstanding", "Outstanding", "money"),
                     Column("overdue", "Overdue", "money")], rows, drill)
    count = sum(n for n, _, _ in totals.values())
    result.notes.append(f"{count:,} open pledge(s); the {min(count, ROWS):,} with most outstanding are listed. "
                        "Overdue is what the installments due by today asked for, less what was paid.")
    footer = None
    if len(totals) == 1:
        currency, (n, amount, got) = next(iter(totals.items()))
        footer = (f"{n:,} pledges", None, currency, amount, got, amount - got, None)
    return [Table("Pledges outstanding", result, footer=footer)]
