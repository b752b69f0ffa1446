"""Donor insight: a contact's giving summary and status, in a few SQL
aggregates whatever the number of gifts.

Years are fiscal years starting on the first of the module setting
`fiscal_year_start_month` (1 = calendar years). Every function takes the
reference date `today` as an argument, so tests (and reports "as of" a
date) pin it; callers pass `local_today()`.

Donor status for the fiscal year containing `today` ("this year"), counting
only gifts the contact paid (hard credits; soft credits never make a donor):

- new: the first gift ever falls in this year;
- retained: gave this year and last year;
- recaptured: gave this year, not last year, but in some earlier year;
- lapsed: gave before this year but not this year, either "last year"
  (LYBUNT: last year but unfortunately not this) or "earlier" (gave before
  last year, neither last year nor this year);
- no status when the contact never gave (or only after this year ends).

Totals count gifts in the organisation's currency (the core "currency"
setting); gifts in other currencies are counted apart and named on the panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, bindparam, case, func, literal, or_, select, union_all

from app import settings
from app.extensions import db
from app.statements import built_once
from modules.contacts.models import Contact
from modules.pipeline.gifts import default_currency
from modules.pipeline.models import OPEN, Gift, Opportunity, Pipeline, Pledge, RecurringGift, SoftCredit, Stage
from modules.pipeline.money import Money

ZERO = Decimal("0.00")
NEW, RETAINED, RECAPTURED, LAPSED = "new", "retained", "recaptured", "lapsed"
STATUS_LABELS = {NEW: "New donor", RETAINED: "Retained donor", RECAPTURED: "Recaptured donor",
                 LAPSED: "Lapsed donor"}
PANEL_ROWS = 5  # open pledges, recurring gifts and opportunities shown on the panel


# Fiscal years -----------------------------------------------------------------------

def fiscal_start_month() -> int:
    try:
        month = int(settings.get("pipeline", "fiscal_year_start_month") or 1)
    except (TypeError, ValueError):
        return 1
    return month if 1 <= month <= 12 else 1


@dataclass(frozen=True)
class FiscalYear:
    start: date  # first day
    end: date  # first day of the next year (exclusive)

    @property
    def label(self) -> str:
        last = self.end - relativedelta(days=1)
        return str(self.start.year) if self.start.year == last.year else f"{self.start.year}–{str(last.year)[-2:]}"

    def previous(self) -> FiscalYear:
        return FiscalYear(self.start - relativedelta(years=1), self.start)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def fiscal_year(today: date, start_month: int | None = None) -> FiscalYear:
    """The fiscal year containing `today`."""
    month = start_month or fiscal_start_month()
    year = today.year if today.month >= month else today.year - 1
    start = date(year, month, 1)
    return FiscalYear(start, start + relativedelta(years=1))


def donor_status(first_on: date | None, gave_this: bool, gave_last: bool, gave_before_last: bool) -> str | None:
    """The status from the facts the summary query gives (see the module docstring)."""
    if first_on is None or not (gave_this or gave_last or gave_before_last):
        return None
    if gave_this:
        if not gave_last and not gave_before_last:
            return NEW
        return RETAINED if gave_last else RECAPTURED
    return LAPSED


# The summary --------------------------------------------------------------------------

@dataclass
class GiftFact:
    received_on: date
    amount: Decimal
    currency: str
    gift_id: int


@dataclass
class DonorSummary:
    contact_id: int
    currency: str
    year: FiscalYear
    gift_count: int = 0
    lifetime: Decimal = ZERO
    this_year: Decimal = ZERO
    last_year: Decimal = ZERO
    other_currency_count: int = 0
    first: GiftFact | None = None
    last: GiftFact | None = None
    largest: GiftFact | None = None
    status: str | None = None
    lapsed_since: str = ""  # "last year" (LYBUNT) or "earlier"
    last_year_gift_on: date | None = None
    soft_total: Decimal = ZERO
    soft_count: int = 0
    household: HouseholdTotals | None = None
    pledges: list = field(default_factory=list)  # (Pledge, paid)
    recurring: list = field(default_factory=list)  # RecurringGift

    @property
    def status_label(self) -> str:
        if self.status == LAPSED:
            return "Lapsed donor (gave last year, not yet this year)" if self.lapsed_since == "last year" \
                else "Lapsed donor (no gift last year or this year)"
        return STATUS_LABELS.get(self.status, "")


@dataclass
class HouseholdTotals:
    household_id: int
    name: str
    members: int
    lifetime: Decimal
    this_year: Decimal
    last_year: Decimal


def _sum_if(condition, currency):
    """SUM(amount) over the gifts matching `condition` in `currency`, 0 when none."""
    return func.coalesce(func.sum(case((and_(Gift.currency == currency, condition), Gift.amount))),
                         literal(0, Money))


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def gift_aggregates(condition, year: FiscalYear | None = None, currency: str | None = None):
    """One row of totals over the gifts matching `condition`. Without `year`
    and `currency`, the bound parameters `this_start`, `this_end`,
    `last_start`, `last_end` and `currency` (see `_year_params`) stand for them."""
    prev = year.previous() if year else None
    this_start, this_end = (year.start, year.end) if year else (bindparam("this_start"), bindparam("this_end"))
    last_start, last_end = (prev.start, prev.end) if prev else (bindparam("last_start"), bindparam("last_end"))
    currency = currency if currency is not None else bindparam("currency")
    this_year = and_(Gift.received_on >= this_start, Gift.received_on < this_end)
    last_year = and_(Gift.received_on >= last_start, Gift.received_on < last_end)
    return select(
        func.count(Gift.id).label("gifts"),
        _sum_if(literal(True), currency).label("lifetime"),
        _sum_if(this_year, currency).label("this_year"),
        _sum_if(last_year, currency).label("last_year"),
        func.coalesce(func.sum(case((Gift.currency != currency, 1), else_=0)), 0).label("other"),
        func.min(Gift.received_on).label("first_on"),
        _flag(this_year).label("gave_this"),
        _flag(last_year).label("gave_last"),
        _flag(Gift.received_on < last_start).label("gave_before_last"),
        func.max(case((last_year, Gift.received_on))).label("last_year_gift_on"),
    ).where(condition)


def _year_params(year: FiscalYear, currency: str) -> dict:
    prev = year.previous()
    return {"this_start": year.start, "this_end": year.end, "last_start": prev.start, "last_end": prev.end,
            "currency": currency}


@built_once
def _statements() -> dict:
    """The giving summary's statements (bound parameters: the contact, the
    household, the fiscal years, the currency, the row limit)."""
    contact_id, household_id = bindparam("contact_id"), bindparam("household_id")

    def one(name, *order):
        return (select(literal(name).label("which"), Gift.received_on, Gift.amount, Gift.currency, Gift.id)
                .where(Gift.contact_id == contact_id).order_by(*order).limit(1).subquery().select())

    # The household and its members as one set of contacts: with `contact_id = household
    # OR contact_id IN (members)` PostgreSQL read every gift (20 ms at 170,000 gifts);
    # IN (id = household OR household_id = household) reads only theirs (0.2 ms).
    givers = select(Contact.id).where(or_(Contact.id == household_id, Contact.household_id == household_id))
    household = gift_aggregates(Gift.contact_id.in_(givers)).add_columns(
        select(Contact.display_name).where(Contact.id == household_id).scalar_subquery().label("name"),
        select(func.count(Contact.id)).where(Contact.household_id == household_id).scalar_subquery()
        .label("members"))
    paid = (select(func.coalesce(func.sum(Gift.amount), literal(0, Money)))
            .where(Gift.pledge_id == Pledge.id).correlate(Pledge).scalar_subquery())
    return {
        "totals": gift_aggregates(Gift.contact_id == contact_id),
        "extremes": union_all(one("first", Gift.received_on, Gift.id),
                              one("last", Gift.received_on.desc(), Gift.id.desc()),
                              one("largest", Gift.amount.desc(), Gift.received_on.desc())),
        "soft": select(func.count(SoftCredit.id), func.coalesce(func.sum(SoftCredit.amount), literal(0, Money)))
        .join(Gift, Gift.id == SoftCredit.gift_id)
        .where(SoftCredit.contact_id == contact_id, Gift.currency == bindparam("currency")),
        "household": household,
        "pledges": select(Pledge, paid).where(Pledge.contact_id == contact_id, Pledge.status == "open")
        .order_by(Pledge.pledged_on, Pledge.id).limit(bindparam("limit")),
        "recurring": select(RecurringGift).where(RecurringGift.contact_id == contact_id,
                                                 RecurringGift.status == "active")
        .order_by(RecurringGift.starts_on, RecurringGift.id).limit(bindparam("limit")),
        "opportunities": select(Opportunity, Stage.name, Pipeline.name)
        .join(Stage, Stage.id == Opportunity.stage_id).join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .where(Opportunity.contact_id == contact_id, Stage.outcome == OPEN)
        .order_by(Opportunity.expected_close.is_(None), Opportunity.expected_close, Opportunity.id)
        .limit(bindparam("limit")),
    }


def _extremes(contact_id: int) -> dict[str, GiftFact]:
    """First, last and largest gift in one query (three index-ordered LIMIT 1s)."""
    rows = db.session.execute(_statements()["extremes"], {"contact_id": contact_id})
    return {row[0]: GiftFact(row[1], row[2], row[3], row[4]) for row in rows}


def summary(contact: Contact, today: date, *, detail: bool = True) -> DonorSummary:
    """The giving summary of `contact` as of `today`. At most six queries:
    totals, first/last/largest, soft credits, household, pledges, recurring."""
    currency = default_currency()
    year = fiscal_year(today)
    out = DonorSummary(contact.id, currency, year)
    params = {"contact_id": contact.id, **_year_params(year, currency)}
    row = db.session.execute(_statements()["totals"], params).one()
    out.gift_count, out.other_currency_count = row.gifts or 0, row.other or 0
    out.lifetime, out.this_year, out.last_year = row.lifetime, row.this_year, row.last_year
    out.last_year_gift_on = row.last_year_gift_on
    out.status = donor_status(row.first_on, bool(row.gave_this), bool(row.gave_last), bool(row.gave_before_last))
    if out.status == LAPSED:
        out.lapsed_since = "last year" if row.gave_last else "earlier"
    if out.gift_count:
        extremes = _extremes(contact.id)
        out.first, out.last, out.largest = extremes.get("first"), extremes.get("last"), extremes.get("largest")
    soft = db.session.execute(_statements()["soft"], {"contact_id": contact.id, "currency": currency}).one()
    out.soft_count, out.soft_total = soft[0] or 0, soft[1]
    out.household = household_totals(contact, year, currency)
    if detail:
        out.pledges = open_pledges(contact.id)
        out.recurring = active_recurring(contact.id)
    return out


def household_totals(contact: Contact, year: FiscalYear, currency: str) -> HouseholdTotals | None:
    """The household's own gifts plus its members' (one query), for a
    household or a person who belongs to one."""
    household_id = contact.id if contact.kind == "household" else contact.household_id
    if household_id is None:
        return None
    row = db.session.execute(_statements()["household"],
                             {"household_id": household_id, **_year_params(year, currency)}).one()
    if row.name is None:
        return None
    return HouseholdTotals(household_id, row.name, row.members or 0, row.lifetime, row.this_year, row.last_year)


def open_pledges(contact_id: int, limit: int = PANEL_ROWS) -> list[tuple[Pledge, Decimal]]:
    """Open pledges, oldest first, with what has been paid on each (one query)."""
    rows = db.session.execute(_statements()["pledges"], {"contact_id": contact_id, "limit": limit})
    return [(pledge, amount) for pledge, amount in rows]


def active_recurring(contact_id: int, limit: int = PANEL_ROWS) -> list[RecurringGift]:
    return list(db.session.scalars(_statements()["recurring"], {"contact_id": contact_id, "limit": limit}))


def open_opportunities(contact_id: int, limit: int = PANEL_ROWS):
    """`(Opportunity, stage name, pipeline name)` of the contact's open
    opportunities, soonest expected close first (one query)."""
    return list(db.session.execute(_statements()["opportunities"], {"contact_id": contact_id, "limit": limit + 1}))
