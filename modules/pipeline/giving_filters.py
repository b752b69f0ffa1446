"""Giving criteria for the contacts filter builder (group "Giving", needs
giving.view), so lists and saved segments can select donors.

Every criterion is `Contact.id IN (SELECT contact_id FROM pipeline_gift ...)`
(or pledges / recurring gifts) over a range of `received_on`, which the
index (received_on, contact_id) answers without reading the table; set
operations (EXCEPT, INTERSECT) combine the periods. LYBUNT and SYBUNT
instead probe each contact's gifts by (contact_id, received_on), so a list
page stops after its rows. Years are fiscal years
(insight.fiscal_year); "today" comes from the `today` callable given to
`filters()`, the organisation's local date by default, so tests pin it.

Query-string forms (see modules/contacts/lists/queries.py):

    f=gave:between:2025-01-01..2025-12-31     gave in a date range
    f=gave:not_between:2025-01-01..           did not give in it
    f=total:between:100..500                  total given, all time (org currency)
    f=total:this_year:1000..                  ... this fiscal year (or last_year)
    f=total:between:100..@2024-01-01..2024-12-31   ... within a date range
    f=fund:is:3  f=appeal:is_not:7            gave to a fund / an appeal
    f=lybunt:yes:   f=sybunt:yes:             last / some year but not this
    f=donor_status:is:recaptured              new, retained, recaptured, lapsed
    f=open_pledge:yes:   f=recurring:yes:     has an open pledge / an active recurring gift
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, any_, except_, func, intersect, select

from app.extensions import db
from app.ids import parse_id
from modules.contacts.activity.timeline import local_today
from modules.contacts.hooks import FilterSpec
from modules.contacts.lists.filters import date_range
from modules.contacts.models import Contact
from modules.pipeline.gifts import default_currency
from modules.pipeline.insight import LAPSED, NEW, RECAPTURED, RETAINED, STATUS_LABELS, fiscal_year
from modules.pipeline.models import Appeal, Fund, Gift, Pledge, RecurringGift
from modules.pipeline.money import MAX_AMOUNT

GROUP, PERMISSION = "Giving", "giving.view"
YES_NO = {"yes": "is", "no": "is not"}


# Sets of donors (SELECT contact_id ...) --------------------------------------------------

def gave_between(start: date | None, end: date | None):
    """Donors with a gift on a day from `start` to `end` (inclusive; either may be None)."""
    query = select(Gift.contact_id)
    if start is not None:
        query = query.where(Gift.received_on >= start)
    if end is not None:
        query = query.where(Gift.received_on <= end)
    return query


def _gave_in(start: date | None, end_exclusive: date | None):
    query = select(Gift.contact_id)
    if start is not None:
        query = query.where(Gift.received_on >= start)
    if end_exclusive is not None:
        query = query.where(Gift.received_on < end_exclusive)
    return query


def _gave_in_exists(start: date, end_exclusive: date):
    return select(Gift.id).where(Gift.contact_id == Contact.id, Gift.received_on >= start,
                                 Gift.received_on < end_exclusive).exists()


def _gave_before_exists(start: date):
    return select(Gift.id).where(Gift.contact_id == Contact.id, Gift.received_on < start).exists()


def lybunt_condition(op: str, today: date):
    """The LYBUNT criterion, per contact: a gift last year and none this year,
    each one probe of the (contact_id, received_on) index, so the list walks
    contacts in its own order and stops at a page. Measured at 1,000,000
    contacts (1.7M gifts): the list page 1,471 -> 20 ms on SQLite and
    765 -> 5 ms of SQL on PostgreSQL, where the EXCEPT of two years of gifts
    was materialised first. Counting every match costs about what the
    EXCEPT did; the list counts in its own request."""
    year = fiscal_year(today)
    last = year.previous()
    condition = and_(_gave_in_exists(last.start, last.end), ~_gave_in_exists(year.start, year.end))
    return ~condition if op in ("no", "is_not") else condition


def sybunt_condition(op: str, today: date):
    """The SYBUNT criterion, per contact as LYBUNT is: a gift in any year
    before this one (LYBUNT donors included) and none this year, each one
    probe of the (contact_id, received_on) index. The EXCEPT of every
    earlier gift and this year's read the whole gifts history on each page."""
    year = fiscal_year(today)
    condition = and_(_gave_before_exists(year.start), ~_gave_in_exists(year.start, year.end))
    return ~condition if op in ("no", "is_not") else condition


def status_set(status: str, today: date):
    """Donors with `status` (insight.donor_status), as a set operation;
    lapsed donors are SYBUNT donors (`sybunt_condition`)."""
    year = fiscal_year(today)
    last = year.previous()
    this_year, last_year = _gave_in(year.start, year.end), _gave_in(last.start, last.end)
    if status == NEW:
        return except_(this_year, _gave_in(None, year.start))
    if status == RETAINED:
        return intersect(this_year, last_year)
    if status == RECAPTURED:
        # SQLite takes no parentheses around a compound SELECT: nest it as a subquery.
        both = intersect(this_year, _gave_in(None, last.start)).subquery()
        return except_(select(both.c.contact_id), last_year)
    raise ValueError("Choose a donor status.")


def total_between(low: Decimal | None, high: Decimal | None, start: date | None = None,
                  end: date | None = None, currency: str | None = None):
    """Donors whose gifts (in the org currency, optionally from `start` to
    `end` inclusive) add up to between `low` and `high`."""
    total = func.sum(Gift.amount)
    query = gave_between(start, end).where(Gift.currency == (currency or default_currency())).group_by(Gift.contact_id)
    if low is not None:
        query = query.having(total >= low)
    if high is not None:
        query = query.having(total <= high)
    return query


# Reading values --------------------------------------------------------------------------

def _amount(text: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{text[:40]}” is not an amount.") from None
    if not value.is_finite():
        raise ValueError(f"“{text[:40]}” is not an amount.")
    if abs(value) > MAX_AMOUNT:
        raise ValueError("That amount is too large.")
    return value


def amount_range(value: str) -> tuple[Decimal | None, Decimal | None, tuple[date | None, date | None]]:
    """`100..500`, `100..`, `..500`, each optionally `@2024-01-01..2024-12-31`."""
    amounts, _, dates = (value or "").partition("@")
    low_text, sep, high_text = amounts.partition("..")
    low, high = _amount(low_text), _amount(high_text) if sep else _amount(low_text)
    if low is None and high is None:
        raise ValueError("Enter an amount to start from, to end at, or both.")
    if low is not None and high is not None and low > high:
        raise ValueError("The first amount is more than the second.")
    return low, high, (date_range(dates) if dates.strip() else (None, None))


def _id(value: str, what: str) -> int:
    number = parse_id(value)
    if number is None:
        raise ValueError(f"Choose {what}.")
    return number


def _member(ids):
    """`Contact.id` is in the set `ids`. On PostgreSQL `id = ANY(ARRAY(SELECT ...))`
    (as the quick search does): with `IN (SELECT ...)` the planner hashed the set
    and read the whole contact table for it; now it fetches the set's contacts by
    id. EXPLAIN ANALYZE at 100,000 contacts, best of six on a busy machine: the
    LYBUNT list 82 -> 61 ms, its count 87 -> 54 ms (the set itself is ~45 ms)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return Contact.id == any_(func.array(ids.scalar_subquery()))
    return Contact.id.in_(ids)


def _in(op: str, ids):
    return Contact.id.not_in(ids) if op in ("no", "is_not", "not_between") else _member(ids)


# The criteria ----------------------------------------------------------------------------

def _local_today() -> date:
    return local_today()


def filters(today: Callable[[], date] | None = None) -> list[FilterSpec]:
    """The Giving criteria; `today()` gives the reference date (the
    organisation's local date unless a test or report pins it)."""
    today = today or _local_today
    def gave(op, value):
        return _in(op, gave_between(*date_range(value)))

    def total(op, value):
        low, high, (start, end) = amount_range(value)
        if op in ("this_year", "last_year"):
            year = fiscal_year(today())
            year = year if op == "this_year" else year.previous()
            first, last = year.start, year.end - timedelta(days=1)
            start, end = max(start or first, first), min(end or last, last)
        return _member(total_between(low, high, start, end))

    def fund(op, value):
        return _in(op, select(Gift.contact_id).where(Gift.fund_id == _id(value, "a fund")))

    def appeal(op, value):
        return _in(op, select(Gift.contact_id).where(Gift.appeal_id == _id(value, "an appeal")))

    def status(op, value):
        if value not in STATUS_LABELS:
            raise ValueError("Choose a donor status.")
        if value == LAPSED:
            return sybunt_condition(op, today())
        return _in(op, status_set(value, today()))

    def open_pledge(op, _value):
        return _in(op, select(Pledge.contact_id).where(Pledge.status == "open"))

    def recurring(op, _value):
        return _in(op, select(RecurringGift.contact_id).where(RecurringGift.status == "active"))

    def spec(key, label, ops, apply, input_="text", choices=None):
        return FilterSpec(key, label, ops, apply, input_, choices, permission=PERMISSION, group=GROUP)

    return [
        spec("gave", "Gave", {"between": "between", "not_between": "did not give between"}, gave, "date_range"),
        spec("total", "Total given", {"between": "in all, between", "this_year": "this year, between",
                                      "last_year": "last year, between"}, total, "number_range"),
        spec("fund", "Gave to fund", {"is": "is", "is_not": "is not"}, fund, "choice", _fund_choices),
        spec("appeal", "Gave to appeal", {"is": "is", "is_not": "is not"}, appeal, "choice", _appeal_choices),
        spec("lybunt", "LYBUNT (gave last year, not this year)", dict(YES_NO),
             lambda op, _v: lybunt_condition(op, today()), "none"),
        spec("sybunt", "SYBUNT (gave in an earlier year, not this year)", dict(YES_NO),
             lambda op, _v: sybunt_condition(op, today()), "none"),
        spec("donor_status", "Donor status", {"is": "is", "is_not": "is not"}, status, "choice",
             lambda: [(k, v) for k, v in STATUS_LABELS.items()]),
        spec("open_pledge", "Open pledge", {"yes": "has one", "no": "has none"}, open_pledge, "none"),
        spec("recurring", "Recurring donor", {"yes": "is", "no": "is not"}, recurring, "none"),
    ]


def _fund_choices():
    return [(str(i), n) for i, n in db.session.execute(select(Fund.id, Fund.name).order_by(Fund.position, Fund.name))]


def _appeal_choices():
    return [(str(i), n) for i, n in db.session.execute(
        select(Appeal.id, Appeal.name).order_by(Appeal.starts_on.desc(), Appeal.name).limit(500))]
