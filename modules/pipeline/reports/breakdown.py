"""Giving by fund, by appeal and by month, read from the daily totals per
fund and appeal (pipeline_gift_fund_day, kept by the gift service: see
gift_rollup.py) rather than from the gifts: a year is at most a few
thousand rows whatever the number of gifts. Amounts are in the
organisation's currency."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.pipeline.gifts import default_currency
from modules.pipeline.models import Appeal, Fund, GiftFundDay
from modules.pipeline.reports import periods


def _conditions(p: periods.Period, values: dict) -> list:
    conditions = [GiftFundDay.currency == default_currency(), GiftFundDay.day >= p.start, GiftFundDay.day < p.end]
    fund, appeal = periods.chosen_id(values, "fund"), periods.chosen_id(values, "appeal")
    if fund is not None:
        conditions.append(GiftFundDay.fund_id == fund)
    if appeal is not None:
        conditions.append(GiftFundDay.appeal_id == appeal)
    return conditions


def _share(part: Decimal, whole: Decimal):
    return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else None


def _grouped(p, values, column, model, none_label: str, arg: str) -> Result:
    rows = db.session.execute(
        select(column, func.sum(GiftFundDay.gifts), func.sum(GiftFundDay.total))
        .where(*_conditions(p, values)).group_by(column)).all()
    names = dict(db.session.execute(select(model.id, model.name)
                                    .where(model.id.in_([r[0] for r in rows if r[0]]))).all())
    whole = sum((periods.money(r[2]) for r in rows), Decimal(0))
    out, drill = [], []
    for key, gifts, total in sorted(rows, key=lambda r: -periods.money(r[2])):
        total = periods.money(total)
        out.append((names.get(key, none_label) if key else none_label, int(gifts), total, _share(total, whole)))
        drill.append(periods.gifts_url(p, **{arg: str(key) if key else "none"}, **_other(values, arg)))
    return Result([Column("name", none_label.removeprefix("No ").capitalize()), Column("gifts", "Gifts", "number"),
                   Column("total", f"Given ({default_currency()})", "money"),
                   Column("share", "Share", "percent")], out, drill)


def _other(values: dict, arg: str) -> dict:
    """The other filter (fund when grouping by appeal), so a drill-down keeps it."""
    other = "appeal" if arg == "fund" else "fund"
    chosen = periods.chosen_id(values, other)
    return {other: str(chosen)} if chosen is not None else {}


def by_fund(values: dict) -> list[Table]:
    p = periods.period(values)
    result = _grouped(p, values, GiftFundDay.fund_id, Fund, "No fund", "fund")
    result.notes.append(f"{p.label[0].upper()}{p.label[1:]}.")
    return [Table("Giving by fund", result, ChartSpec("bar", "name", ("total",)), footer=_footer(result),
                  drill_column="gifts")]


def by_appeal(values: dict) -> list[Table]:
    p = periods.period(values)
    result = _grouped(p, values, GiftFundDay.appeal_id, Appeal, "No appeal", "appeal")
    result.notes.append(f"{p.label[0].upper()}{p.label[1:]}.")
    return [Table("Giving by appeal", result, ChartSpec("bar", "name", ("total",)), footer=_footer(result),
                  drill_column="gifts")]


def _footer(result: Result) -> tuple:
    gifts = sum(r[1] for r in result.rows)
    total = sum((r[2] for r in result.rows), Decimal(0))
    return ("Total", gifts, periods.money(total), Decimal("100.0") if result.rows else None)


def by_month(values: dict) -> list[Table]:
    p = periods.period(values)
    months: dict[date, list] = defaultdict(lambda: [0, Decimal(0)])
    for day, gifts, total in db.session.execute(
            select(GiftFundDay.day, func.sum(GiftFundDay.gifts), func.sum(GiftFundDay.total))
            .where(*_conditions(p, values)).group_by(GiftFundDay.day)):
        entry = months[day.replace(day=1)]
        entry[0] += int(gifts)
        entry[1] += periods.money(total)
    rows, drill = [], []
    month = p.start.replace(day=1)
    fund, appeal = periods.chosen_id(values, "fund"), periods.chosen_id(values, "appeal")
    while month < p.end:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        gifts, total = months.get(month, (0, Decimal(0)))
        rows.append((month.strftime("%b %Y"), gifts, periods.money(total)))
        span = periods.Period(max(month, p.start), min(following, p.end), "")
        drill.append(periods.gifts_url(span, fund=fund, appeal=appeal) if gifts else None)
        month = following
    result = Result([Column("month", "Month"), Column("gifts", "Gifts", "number"),
                     Column("total", f"Given ({default_currency()})", "money")], rows, drill)
    result.notes.append(f"{p.label[0].upper()}{p.label[1:]}.")
    total = sum((r[2] for r in rows), Decimal(0))
    return [Table("Giving by month", result, ChartSpec("bar", "month", ("total",)), drill_column="gifts",
                  footer=("Total", sum(r[1] for r in rows), periods.money(total)))]
