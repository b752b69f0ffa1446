"""The forecast: open opportunities' amounts, unweighted and weighted by
their stage's probability, by expected close month and owner. Summed in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, extract, func, type_coerce

from app.extensions import db
from app.models import User
from modules.pipeline.models import OPEN, Opportunity, Stage
from modules.pipeline.opportunities import cents, weighted_amount, weighted_cents


@dataclass
class Line:
    owner: str
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass
class Month:
    """One expected-close month (None: open opportunities with no date)."""

    start: date | None
    lines: list[Line] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y") if self.start else "No close date"

    def totals(self) -> list[Line]:
        by_currency: dict[str, Line] = {}
        for line in self.lines:
            total = by_currency.setdefault(line.currency, Line("All owners", line.currency, 0, Decimal(0),
                                                               Decimal(0)))
            total.count += line.count
            total.amount += line.amount
            total.weighted += line.weighted
        return list(by_currency.values())


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def forecast(start: date, months: int, *, pipeline_id: int | None = None, owner_id: int | None = None,
             include_undated: bool = True) -> list[Month]:
    """`months` months from `start`'s month; overdue open opportunities (close
    date before `start`) count in the first month. One GROUP BY query."""
    first = start.replace(day=1)
    end = add_months(first, months)
    close = Opportunity.expected_close
    year, month = extract("year", close), extract("month", close)
    query = (db.select(year, month, Opportunity.owner_id, Opportunity.currency, func.count(Opportunity.id),
                       func.sum(type_coerce(Opportunity.amount, BigInteger)), weighted_cents())
             .join(Stage, Stage.id == Opportunity.stage_id)
             .where(Stage.outcome == OPEN)
             .group_by(year, month, Opportunity.owner_id, Opportunity.currency))
    if include_undated:
        query = query.where((Opportunity.expected_close < end) | Opportunity.expected_close.is_(None))
    else:
        query = query.where(Opportunity.expected_close < end)
    if pipeline_id:
        query = query.where(Opportunity.pipeline_id == pipeline_id)
    if owner_id:
        query = query.where(Opportunity.owner_id == owner_id)
    rows = db.session.execute(query).all()
    owners = dict(db.session.execute(db.select(User.id, User.name).where(
        User.id.in_({r[2] for r in rows if r[2]}))).all()) if rows else {}
    slots = {add_months(first, i): Month(add_months(first, i)) for i in range(months)}
    undated = Month(None)
    for y, m, owner_id_, currency, count, amount, weighted in rows:
        if y is None:
            target = undated
        else:
            key = date(int(y), int(m), 1)
            target = slots[max(key, first)]
        owner = owners.get(owner_id_, "No owner") if owner_id_ else "No owner"
        existing = next((ln for ln in target.lines if ln.owner == owner and ln.currency == currency), None)
        if existing is None:
            target.lines.append(Line(owner, currency, count, cents(amount), weighted_amount(weighted)))
        else:  # overdue months folded into the first
            existing.count += count
            existing.amount += cents(amount)
            existing.weighted += weighted_amount(weighted)
    result = list(slots.values())
    for item in result + [undated]:
        item.lines.sort(key=lambda ln: (ln.owner == "No owner", ln.owner.lower(), ln.currency))
    if include_undated and undated.lines:
        result.append(undated)
    return result
