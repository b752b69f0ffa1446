"""LYBUNT and SYBUNT as reports: who they are (the biggest first) and
how many, with what they gave. The definitions are the contacts filters'
(giving_filters.py), for any fiscal year rather than only this one:

- LYBUNT for year Y: a gift in Y-1 and none in Y;
- SYBUNT for year Y: a gift in any year before Y (LYBUNT donors
  included) and none in Y.

Counts are of donors (gifts in any currency make a donor); amounts are in
the organisation's currency. Read from the donors' years (donor_years.py)
when that table is built for the fiscal year and currency, else from the
gifts, with the same result; then the totals are the donors' years' sums
(donor_year_totals.py) and the list reads the biggest rows through the
indexes (start month, year, total, contact) and (start month, to date,
contact), backwards: the ties go by contact id, the newest first. Trashed
contacts are left out, as the contacts list leaves them out, so a count and
its drill-down list agree."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from sqlalchemy import case, desc, func, literal, or_, select, type_coerce

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import Table
from modules.contacts.models import Contact
from modules.pipeline import donor_year_totals, donor_years
from modules.pipeline.gifts import default_currency
from modules.pipeline.insight import fiscal_start_month
from modules.pipeline.models import DonorYear, Gift
from modules.pipeline.money import Money
from modules.pipeline.reports import periods

ROWS = 100  # donors listed; the totals count them all


def _donors(since, until, this_year):
    """Per contact with a gift in [since, until): gifts and amount (org
    currency), and the condition "none in `this_year`"."""
    currency = default_currency()
    amount = func.coalesce(func.sum(case((Gift.currency == currency, Gift.amount))), literal(0, Money))
    conditions = [Gift.received_on < until]
    if since is not None:
        conditions.append(Gift.received_on >= since)
    per = (select(Gift.contact_id, func.count(Gift.id).label("gifts"), amount.label("amount"))
           .where(*conditions).group_by(Gift.contact_id).subquery())
    gave = select(Gift.id).where(Gift.contact_id == per.c.contact_id, Gift.received_on >= this_year.start,
                                 Gift.received_on < this_year.end).exists()
    return per, [~gave]


def _from_rollup(*conditions):
    """The same from the donors' years (donor_years.py), when built for this
    fiscal year and currency: one row per donor, no gift read."""
    return (select(DonorYear.contact_id, *conditions[0]).where(
        DonorYear.start_month == fiscal_start_month(), *conditions[1:]).subquery(), [])


def _summed(keep, gifts: str, amount: str) -> tuple:
    """(donors, amount, gifts) of the donors' years that `keep(totals)` picks,
    from their sums (donor_year_totals.py), trashed contacts left out."""
    picked = [t for t in donor_year_totals.year_totals(fiscal_start_month()) if keep(t)]
    return (sum(t.donors for t in picked), sum((getattr(t, amount) for t in picked), Decimal(0)),
            sum(getattr(t, gifts) for t in picked))


def _last_gifts(contact_ids: list[int], since, until) -> dict:
    """The last gift in [since, until) of each listed donor (index probes)."""
    conditions = [Gift.contact_id.in_(contact_ids), Gift.received_on < until]
    if since is not None:
        conditions.append(Gift.received_on >= since)
    return dict(db.session.execute(select(Gift.contact_id, func.max(Gift.received_on)).where(*conditions)
                                   .group_by(Gift.contact_id)).all()) if contact_ids else {}


def _table(caption, per, live, amount_label, drill_list, within, totals=None) -> Table:
    """The biggest ROWS donors and the totals over all of them: `totals`
    (donors, amount, gifts) when the sums are kept, else window sums on each
    row (one pass over the donors instead of two); then the names and last
    gifts of the listed ones."""
    columns = [per.c.contact_id, per.c.gifts, per.c.amount]
    if totals is None:
        columns += [func.count().over().label("all_donors"),
                    type_coerce(func.sum(per.c.amount).over(), Money).label("all_amount"),
                    func.sum(per.c.gifts).over().label("all_gifts")]
    rows_q = (select(*columns).where(per.c.contact_id.not_in(periods.trashed()), *live)
              .order_by(desc(per.c.amount), desc(per.c.contact_id)).limit(ROWS))
    rows, drill = [], []
    listed = db.session.execute(rows_q).all()
    ids = [row[0] for row in listed]
    last_gifts = _last_gifts(ids, *within)
    names = dict(db.session.execute(select(Contact.id, Contact.display_name).where(Contact.id.in_(ids))).all())
    for cid, n, total, *all_of_them in listed:
        rows.append((names.get(cid, ""), n, periods.money(total), last_gifts.get(cid)))
        drill.append(url_for("contacts.show", contact_id=cid))
        if totals is None:
            totals = all_of_them
    donors, amount, gifts = totals or (0, 0, 0)
    amount = periods.money(amount)
    result = Result([Column("donor", "Donor"), Column("gifts", "Gifts", "number"),
                     Column("amount", amount_label, "money"), Column("last_gift", "Last gift", "date")],
                    rows, drill)
    shown = "all listed, biggest first" if donors <= ROWS else f"the {ROWS:,} who gave most are listed"
    result.notes.append(f"{donors:,} donor(s): {shown}. Open the full list in Contacts to save it as a "
                        "segment or write to them.")
    return Table(caption, result, footer=(f"{donors:,} donors", int(gifts or 0), amount, None),
                 links=[("All of them in Contacts", drill_list)])


def lybunt(values: dict) -> list[Table]:
    this_year = periods.year(values["year"])
    last = this_year.previous()
    totals = None
    if donor_years.valid():  # last year's rows of donors who did not give the next year
        per, live = _from_rollup((DonorYear.gifts.label("gifts"), DonorYear.total.label("amount")),
                                 DonorYear.year == last.start.year, DonorYear.again.is_(False))
        totals = _summed(lambda t: t.year == last.start.year and t.next_year != values["year"], "gifts", "total")
    else:
        per, live = _donors(last.start, last.end, this_year)
    # This year's LYBUNT is the contacts filter itself (a saved segment then moves on with the year).
    url = periods.contacts_url("lybunt:yes:") if values["year"] == periods.this_year() else \
        periods.contacts_url(f"gave:between:{periods.inclusive(last)}",
                             f"gave:not_between:{periods.inclusive(this_year)}")
    return [_table(f"LYBUNT: gave in {last.label}, not in {this_year.label}", per, live,
                   f"Given in {last.label} ({default_currency()})", url, (last.start, last.end), totals)]


def sybunt(values: dict) -> list[Table]:
    this_year = periods.year(values["year"])
    totals = None
    if donor_years.valid():  # each donor's last year before this one, when the next is not this one
        per, live = _from_rollup((DonorYear.gifts_to_date.label("gifts"), DonorYear.to_date.label("amount")),
                                 DonorYear.year < values["year"],
                                 or_(DonorYear.next_year.is_(None), DonorYear.next_year > values["year"]))
        totals = _summed(lambda t: t.year < values["year"] and (t.next_year == 0 or t.next_year > values["year"]),
                         "gifts_to_date", "to_date")
    else:
        per, live = _donors(None, this_year.start, this_year)
    url = periods.contacts_url("sybunt:yes:") if values["year"] == periods.this_year() else \
        periods.contacts_url(f"gave:between:..{periods.day_before(this_year.start)}",
                             f"gave:not_between:{periods.inclusive(this_year)}")
    return [_table(f"SYBUNT: gave before {this_year.label}, not in {this_year.label}", per, live,
                   f"Given before {this_year.label} ({default_currency()})", url, (None, this_year.start), totals)]
