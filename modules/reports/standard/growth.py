"""Contact growth: added per month (in the organisation's local months, as
the contacts list's "Added between" filter counts them), the running total,
and the contacts by tag and by source. Live contacts only: a trashed contact
counts nowhere. Each month is a conditional count in one pass over the
index (deleted_at, created_at); tags come from their rollup."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import url_for
from sqlalchemy import case, func, select

from app.dates import day_start
from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.contacts.activity.timeline import local_today
from modules.contacts.lists import tag_days
from modules.contacts.models import Contact, Tag

MAX_MONTHS = 36
SOURCES = 50


def default_end() -> date:
    return local_today()


def default_start() -> date:
    return (local_today() - relativedelta(months=11)).replace(day=1)


def _span(values: dict) -> tuple[date, date]:
    """First and last day (inclusive), at most MAX_MONTHS months apart."""
    start, end = values["from"], values["to"]
    if end < start:
        start, end = end, start
    earliest = (end.replace(day=1) - relativedelta(months=MAX_MONTHS - 1))
    return max(start, earliest), end


def _contacts_url(*rules: str) -> str:
    return url_for("contacts.index", f=list(rules))


def _live(*conditions):
    return [Contact.deleted_at.is_(None), *conditions]


def _added(start: date, end: date):
    return _live(Contact.created_at >= day_start(start), Contact.created_at < day_start(end + timedelta(days=1)))


def growth(values: dict) -> list[Table]:
    start, end = _span(values)
    months = []
    month = start.replace(day=1)
    while month <= end:
        following = month + relativedelta(months=1)
        months.append((max(month, start), min(following - timedelta(days=1), end)))
        month = following
    counts = db.session.execute(select(
        func.count(),
        *(func.coalesce(func.sum(case((Contact.created_at < day_start(last + timedelta(days=1)), 1)), else_=0), 0)
          .label(f"m{i}") for i, (_first, last) in enumerate(months)),
    ).where(*_added(start, end))).one()
    before = db.session.scalar(select(func.count()).select_from(Contact)
                               .where(*_live(Contact.created_at < day_start(start))))
    rows, drill, previous = [], [], 0
    for (first, last), upto in zip(months, counts[1:], strict=True):
        added = int(upto) - previous
        previous = int(upto)
        rows.append((first.strftime("%b %Y"), added, before + previous))
        drill.append(_contacts_url(f"created:between:{first.isoformat()}..{last.isoformat()}") if added else None)
    result = Result([Column("month", "Month"), Column("added", "Added", "number"),
                     Column("total", "Contacts at the end of the month", "number")], rows, drill)
    result.notes.append(f"{start.isoformat()} to {end.isoformat()}; contacts in the trash are not counted.")
    return [Table("Contact growth", result, ChartSpec("line", "month", ("total",)), drill_column="added",
                  footer=("In the period", int(counts[0]), before + int(counts[0])))]


def by_tag(values: dict) -> list[Table]:
    """Reads the rollup contacts_tag_day (modules/contacts/lists/tag_days.py), not
    every tag row joined to its contact: 2.1 s at a million contacts before."""
    start, end = _span(values)
    counts = tag_days.per_tag(day_start(start), day_start(end + timedelta(days=1)))
    # Ties in the database's order of names; most contacts first.
    names = dict(db.session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(counts)).order_by(Tag.name)).all())
    rows, drill = [], []
    for tag_id in sorted(names, key=lambda t: -counts[t][0]):
        total, new = counts[tag_id]
        rows.append((names[tag_id], new, total))
        drill.append(_contacts_url(f"tag:is:{tag_id}"))
    result = Result([Column("tag", "Tag"), Column("added", "Added in the period", "number"),
                     Column("total", "Contacts with the tag", "number")], rows, drill)
    result.notes.append(f"Added from {start.isoformat()} to {end.isoformat()}; a contact with two tags counts "
                        "under both.")
    return [Table("Contacts by tag", result, ChartSpec("bar", "tag", ("added", "total")), drill_column="total")]


def by_source(values: dict) -> list[Table]:
    start, end = _span(values)
    added = case((Contact.created_at >= day_start(start), case((
        Contact.created_at < day_start(end + timedelta(days=1)), 1), else_=0)), else_=0)
    rows_q = (select(Contact.source, func.count(), func.coalesce(func.sum(added), 0)).where(*_live())
              .group_by(Contact.source).order_by(func.count().desc(), Contact.source).limit(SOURCES))
    rows, drill = [], []
    for source, total, new in db.session.execute(rows_q):
        rows.append((source or "Not recorded", int(new), int(total)))
        drill.append(_contacts_url(f"source:is:{source}") if source else None)
    result = Result([Column("source", "Source"), Column("added", "Added in the period", "number"),
                     Column("total", "Contacts", "number")], rows, drill)
    result.notes.append(f"Added from {start.isoformat()} to {end.isoformat()}; the {SOURCES} biggest sources.")
    return [Table("Contacts by source", result, ChartSpec("bar", "source", ("total",)), drill_column="total")]
