"""The gifts list: filters read from the query string, SQL totals for the
filtered set, and keyset pages newest first (by date received, then id).

Query string: `from`, `to` (dates), `fund`, `appeal` (ids; `fund=none` for
gifts without one), `method`, `donor` (words, through the contacts search
index) or `contact` (an id), `ack` (`yes`/`no`), `min`, `max` (amounts),
and the cursors `after`/`before` (`YYYY-MM-DD.id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.ids import parse_id
from modules.contacts.lists import search
from modules.pipeline.models import PAYMENT_METHODS, Gift
from modules.pipeline.money import AmountError, parse_amount

PER_PAGE = 50
FIELDS = ("from", "to", "fund", "appeal", "method", "donor", "contact", "ack", "min", "max")


@dataclass
class GiftFilter:
    args: dict = field(default_factory=dict)  # what was typed, cleaned, for the form and links
    errors: dict = field(default_factory=dict)  # {arg: message}
    where: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(self.args.get(k) for k in FIELDS)


def _date(text: str):
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse(source) -> GiftFilter:
    f = GiftFilter()
    for key in FIELDS:
        value = (source.get(key) or "").strip()[:100]
        if value:
            f.args[key] = value
    a, where, errors = f.args, f.where, f.errors
    for key, op in (("from", Gift.received_on.__ge__), ("to", Gift.received_on.__le__)):
        if key in a:
            day = _date(a[key])
            if day is None:
                errors[key] = "Write the date as YYYY-MM-DD."
            else:
                where.append(op(day))
    for key, column in (("fund", Gift.fund_id), ("appeal", Gift.appeal_id)):
        if key in a:
            if a[key] == "none":
                where.append(column.is_(None))
            elif (record_id := parse_id(a[key])) is not None:
                where.append(column == record_id)
            else:
                errors[key] = "Choose from the list."
    if "method" in a:
        if a["method"] in PAYMENT_METHODS:
            where.append(Gift.payment_method == a["method"])
        else:
            errors["method"] = "Choose from the list."
    if (contact_id := parse_id(a.get("contact"))) is not None:
        where.append(Gift.contact_id == contact_id)
    if "donor" in a:
        ids = search.matching_ids(a["donor"])
        if ids is not None:
            where.append(Gift.contact_id.in_(ids))
    if a.get("ack") == "yes":
        where.append(Gift.acknowledged_at.is_not(None))
    elif a.get("ack") == "no":
        where.append(Gift.acknowledged_at.is_(None))
    for key, op in (("min", Gift.amount.__ge__), ("max", Gift.amount.__le__)):
        if key in a:
            try:
                where.append(op(parse_amount(a[key], allow_zero=True)))
            except AmountError as error:
                errors[key] = str(error)
    return f


def totals(f: GiftFilter) -> list[tuple[str, int, object]]:
    """(currency, number of gifts, sum) for the filtered set, summed in SQL."""
    return [tuple(r) for r in db.session.execute(
        select(Gift.currency, func.count(Gift.id), func.sum(Gift.amount))
        .where(*f.where).group_by(Gift.currency).order_by(Gift.currency)).all()]


def _cursor(text: str | None):
    if not text or "." not in text:
        return None
    day, _, ident = text.partition(".")
    day = _date(day)
    ident = parse_id(ident)
    return (day, ident) if day and ident is not None else None


def _older(cursor):
    day, ident = cursor
    return or_(Gift.received_on < day, and_(Gift.received_on == day, Gift.id < ident))


def _newer(cursor):
    day, ident = cursor
    return or_(Gift.received_on > day, and_(Gift.received_on == day, Gift.id > ident))


def key(gift: Gift) -> str:
    return f"{gift.received_on.isoformat()}.{gift.id}"


@dataclass
class GiftPage:
    items: list
    older: str | None  # cursor for the next (older) page
    newer: str | None  # cursor for the previous (newer) page


def page(f: GiftFilter, *, after: str | None = None, before: str | None = None,
         per_page: int = PER_PAGE) -> GiftPage:
    """One page newest first; `after` pages on to older gifts, `before` back
    to newer ones. One query for the rows, one to see what lies behind."""
    base = (select(Gift).where(*f.where)
            .options(joinedload(Gift.contact), joinedload(Gift.fund), joinedload(Gift.appeal)))
    newest_first = (Gift.received_on.desc(), Gift.id.desc())
    back, forward = _cursor(before), _cursor(after)
    if back and not forward:
        rows = db.session.scalars(base.where(_newer(back)).order_by(Gift.received_on, Gift.id)
                                  .limit(per_page + 1)).unique().all()
        more_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_older = bool(rows) and _exists(f, _older(_key(rows[-1])))
    else:
        stmt = base.where(_older(forward)) if forward else base
        rows = db.session.scalars(stmt.order_by(*newest_first).limit(per_page + 1)).unique().all()
        more_older = len(rows) > per_page
        rows = list(rows[:per_page])
        more_newer = bool(forward) and bool(rows) and _exists(f, _newer(_key(rows[0])))
    return GiftPage(rows, key(rows[-1]) if more_older else None, key(rows[0]) if more_newer else None)


def _key(gift: Gift):
    return gift.received_on, gift.id


def _exists(f: GiftFilter, condition) -> bool:
    return db.session.execute(select(Gift.id).where(*f.where, condition).limit(1)).first() is not None
