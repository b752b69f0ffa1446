"""Donors by how much they gave: the donor pyramid by gift band, the top
donors, and the average and median gift. Amounts are in the organisation's
currency (gifts in other currencies are left out of them); a donor's
giving is the sum of the gifts they paid in the period. Sums come from the
index (currency, received_on, contact_id, amount) without reading gifts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import url_for
from sqlalchemy import case, desc, func, literal, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.contacts.models import Contact
from modules.pipeline import donor_years
from modules.pipeline.gifts import default_currency
from modules.pipeline.insight import fiscal_start_month
from modules.pipeline.models import DonorYear, Gift, GiftAmountDay
from modules.pipeline.money import Money
from modules.pipeline.reports import periods

# Lower bounds of the gift bands, biggest first: a donor's total in the
# period falls in the first band it reaches.
BANDS = (Decimal("25000"), Decimal("10000"), Decimal("5000"), Decimal("1000"), Decimal("500"),
         Decimal("250"), Decimal("100"), Decimal("0"))
TOP = 25
CENT = Decimal("0.01")


def _in_period(p: periods.Period, values: dict) -> list:
    conditions = [Gift.currency == default_currency(), Gift.received_on >= p.start, Gift.received_on < p.end]
    fund, appeal = periods.chosen_id(values, "fund"), periods.chosen_id(values, "appeal")
    if fund is not None:
        conditions.append(Gift.fund_id == fund)
    if appeal is not None:
        conditions.append(Gift.appeal_id == appeal)
    return conditions


def _whole_year(values: dict) -> bool:
    """A fiscal year, every fund and appeal: what the donors' years hold (donor_years.py)."""
    return not any(values.get(k) for k in ("from", "to", "fund", "appeal")) and donor_years.valid()


def _per_donor(p: periods.Period, values: dict):
    """Each donor's total in the period (org currency): one row of the donors'
    years for a whole fiscal year, else summed from the gifts."""
    if _whole_year(values):
        return (select(DonorYear.contact_id, DonorYear.total.label("total"))
                .where(DonorYear.start_month == fiscal_start_month(), DonorYear.year == values["year"],
                       DonorYear.total > 0).subquery())
    return (select(Gift.contact_id, func.sum(Gift.amount).label("total"))
            .where(*_in_period(p, values)).group_by(Gift.contact_id).subquery())


def band_label(i: int) -> str:
    low = BANDS[i]
    if i == 0:
        return f"{low:,.0f} and over"
    high = BANDS[i - 1] - CENT
    return f"Under {BANDS[i - 1]:,.0f}" if low == 0 else f"{low:,.0f} to {high:,.2f}"


def pyramid(values: dict) -> list[Table]:
    p = periods.period(values)
    per = _per_donor(p, values)
    band = case(*((per.c.total >= low, i) for i, low in enumerate(BANDS)), else_=len(BANDS) - 1)
    found = {i: (n, total) for i, n, total in db.session.execute(
        select(band.label("band"), func.count(), func.sum(per.c.total))
        .where(per.c.contact_id.not_in(periods.trashed())).group_by(band))}
    donors = sum(n for n, _ in found.values())
    amount = sum((Decimal(t) for _, t in found.values()), Decimal(0))
    rows, drill = [], []
    for i, low in enumerate(BANDS):
        n, total = found.get(i, (0, Decimal(0)))
        total = periods.money(total)
        rows.append((band_label(i), n, periods.percent(n, donors), total,
                     (total * 100 / amount).quantize(Decimal("0.1"), ROUND_HALF_UP) if amount else None))
        high = "" if i == 0 else str(BANDS[i - 1] - CENT)
        low_text = "" if low == 0 else str(low)
        # The contacts filter "total given" has no fund or appeal: no link when one is chosen.
        same = n and not (values.get("fund") or values.get("appeal"))
        drill.append(periods.contacts_url(f"total:between:{low_text}..{high}@{p.range_text()}") if same else None)
    result = Result([Column("band", f"Given in the period ({default_currency()})"),
                     Column("donors", "Donors", "number"), Column("donor_share", "Share of donors", "percent"),
                     Column("total", "Given", "money"), Column("total_share", "Share of giving", "percent")],
                    rows, drill)
    result.notes.append(f"{p.label[0].upper()}{p.label[1:]}. Each donor sits in the band of their total "
                        "for the period.")
    return [Table("Donor pyramid by gift band", result, ChartSpec("bar", "band", ("donors",)), drill_column="donors",
                  footer=("All donors", donors, None, periods.money(amount), None))]


def top_donors(values: dict) -> list[Table]:
    p = periods.period(values)
    conditions = _in_period(p, values)
    per = _per_donor(p, values)
    top = list(db.session.execute(select(per.c.contact_id, per.c.total)
                                  .where(per.c.contact_id.not_in(periods.trashed()))
                                  .order_by(desc(per.c.total), desc(per.c.contact_id)).limit(TOP)))
    ids = [row[0] for row in top]
    details = {cid: (n, largest, last_on) for cid, n, largest, last_on in db.session.execute(
        select(Gift.contact_id, func.count(Gift.id), func.max(Gift.amount), func.max(Gift.received_on))
        .where(Gift.contact_id.in_(ids), *conditions).group_by(Gift.contact_id))}
    names = dict(db.session.execute(select(Contact.id, Contact.display_name).where(Contact.id.in_(ids))).all())
    rows, drill = [], []
    for cid, total in top:
        gifts, largest, last_on = details.get(cid, (0, None, None))
        rows.append((names.get(cid, ""), gifts, periods.money(total), periods.money(largest), last_on))
        drill.append(url_for("contacts.show", contact_id=cid))
    result = Result([Column("donor", "Donor"), Column("gifts", "Gifts", "number"),
                     Column("total", f"Given ({default_currency()})", "money"),
                     Column("largest", "Largest gift", "money"), Column("last_gift", "Last gift", "date")],
                    rows, drill)
    result.notes.append(f"The {TOP} donors who gave most, {p.label}.")
    return [Table("Top donors", result, ChartSpec("bar", "donor", ("total",)))]


def _from_amounts(label: str, p: periods.Period, values: dict) -> tuple:
    """`_row` from the gifts per amount and day (gift_rollup.py): count, sum,
    smallest, largest and the median by walking the amounts in order; the
    donors from their years when the period is a whole fiscal year, else
    counted from the gifts' index."""
    counts = db.session.execute(
        select(GiftAmountDay.amount, func.sum(GiftAmountDay.gifts))
        .where(GiftAmountDay.currency == default_currency(), GiftAmountDay.day >= p.start, GiftAmountDay.day < p.end)
        .group_by(GiftAmountDay.amount).order_by(GiftAmountDay.amount)).all()
    n = sum(int(gifts) for _, gifts in counts)
    total = sum((amount * int(gifts) for amount, gifts in counts), Decimal(0))
    if _whole_year(values):
        donors = db.session.scalar(select(func.count()).select_from(DonorYear).where(
            DonorYear.start_month == fiscal_start_month(), DonorYear.year == p.start.year, DonorYear.total > 0))
    else:
        donors = db.session.scalar(select(func.count(func.distinct(Gift.contact_id))).where(*_in_period(p, values)))
    average = (total / n).quantize(CENT, ROUND_HALF_UP) if n else None
    per_donor = (total / donors).quantize(CENT, ROUND_HALF_UP) if donors else None
    return (label, n, periods.money(total), average, _middle(counts, n), counts[0][0] if counts else None,
            counts[-1][0] if counts else None, per_donor)


def _middle(counts: list, n: int) -> Decimal | None:
    """The median of `n` amounts given as (amount, how many) in amount order."""
    if not n:
        return None
    wanted, seen, middle = {(n - 1) // 2, n // 2}, 0, []
    for amount, gifts in counts:
        for position in sorted(wanted):
            if seen <= position < seen + int(gifts):
                middle.append(amount)
                wanted.discard(position)
        seen += int(gifts)
    return (sum(middle, Decimal(0)) / len(middle)).quantize(CENT, ROUND_HALF_UP)


def _median(conditions, n: int) -> Decimal | None:
    """The middle amount (the mean of the two middle ones when `n` is even):
    SQLite has no percentile function, so both databases read at most two
    rows after skipping the lower half in amount order."""
    if not n:
        return None
    middle = list(db.session.scalars(select(Gift.amount).where(*conditions).order_by(Gift.amount)
                                     .offset((n - 1) // 2).limit(2 if n % 2 == 0 else 1)))
    return (sum(middle, Decimal(0)) / len(middle)).quantize(CENT, ROUND_HALF_UP)


def _row(label: str, conditions) -> tuple:
    n, total, smallest, largest, donors = db.session.execute(select(
        func.count(Gift.id), func.coalesce(func.sum(Gift.amount), literal(0, Money)), func.min(Gift.amount),
        func.max(Gift.amount), func.count(func.distinct(Gift.contact_id))).where(*conditions)).one()
    average = (Decimal(total) / n).quantize(CENT, ROUND_HALF_UP) if n else None
    per_donor = (Decimal(total) / donors).quantize(CENT, ROUND_HALF_UP) if donors else None
    return (label, n, periods.money(total), average, _median(conditions, n), smallest, largest, per_donor)


def average_median(values: dict) -> list[Table]:
    rows, drill = [], []
    fund, appeal = periods.chosen_id(values, "fund"), periods.chosen_id(values, "appeal")
    if values.get("from") or values.get("to"):
        spans = [periods.period(values)]
    else:  # the year and the one before
        spans = [periods.period({**values, "year": y}) for y in (values["year"] - 1, values["year"])]
    for p in spans:
        label = p.label.removeprefix("fiscal year ")
        by_amount = fund is None and appeal is None  # the gifts per amount and day hold no fund or appeal
        rows.append(_from_amounts(label, p, values) if by_amount else _row(label, _in_period(p, values)))
        drill.append(periods.gifts_url(p, fund=fund, appeal=appeal))
    money = default_currency()
    result = Result([Column("period", "Period"), Column("gifts", "Gifts", "number"),
                     Column("total", f"Given ({money})", "money"), Column("average", "Average gift", "money"),
                     Column("median", "Median gift", "money"), Column("smallest", "Smallest", "money"),
                     Column("largest", "Largest", "money"), Column("per_donor", "Average per donor", "money")],
                    rows, drill)
    result.notes.append("The median is the middle gift: half the gifts are smaller, half larger. "
                        "A few large gifts raise the average but not the median.")
    return [Table("Average and median gift", result, ChartSpec("bar", "period", ("average", "median")),
                  drill_column="gifts")]
