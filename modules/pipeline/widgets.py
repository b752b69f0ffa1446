"""Dashboard widgets: giving this fiscal year against last, month by month
(a server-drawn SVG that also says its numbers in a table; it reads the
daily gift totals, not the gifts), and the open pipeline's value by stage.
Two queries each at most; sums in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from modules.contacts.activity.timeline import local_today
from modules.pipeline.contact_hooks import link
from modules.pipeline.gifts import default_currency
from modules.pipeline.insight import ZERO, FiscalYear, fiscal_year
from modules.pipeline.models import OPEN, GiftDay, Opportunity, Pipeline, Stage
from modules.pipeline.money import CENT, format_money

# The chart's drawing box (SVG user units).
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 480, 200, 8, 24, 12


@dataclass
class Month:
    start: date
    this_year: Decimal
    last_year: Decimal
    future: bool  # not reached yet this year

    @property
    def label(self) -> str:
        return self.start.strftime("%b")


def monthly_totals(today: date, currency: str | None = None) -> tuple[FiscalYear, list[Month], Decimal]:
    """This fiscal year's and last year's gifts by month, and last year's
    total up to the same day a year ago: one read of at most two years of
    daily totals (gift_rollup), summed into months here, the same on every
    database."""
    currency = currency or default_currency()
    year = fiscal_year(today)
    previous = year.previous()
    rows = db.session.execute(
        select(GiftDay.day, GiftDay.total)
        .where(GiftDay.currency == currency, GiftDay.day >= previous.start, GiftDay.day < year.end))
    this_year, last_year = [ZERO] * 12, [ZERO] * 12
    same_day_last_year, last_to_date = today - relativedelta(years=1), ZERO
    for day, amount in rows:
        if day < year.start and day <= same_day_last_year:
            last_to_date += amount
        target, start = (this_year, year.start) if day >= year.start else (last_year, previous.start)
        index = (day.year - start.year) * 12 + day.month - start.month
        target[index] += amount
    months = []
    for i in range(12):
        start = year.start + relativedelta(months=i)
        months.append(Month(start, this_year[i], last_year[i], start > today))
    return year, months, last_to_date


def _bars(months: list[Month]) -> list[dict]:
    """Bar rectangles: last year's (light) beside this year's (dark), per month."""
    top = max([m.this_year for m in months] + [m.last_year for m in months] + [Decimal(1)])
    plot_h = HEIGHT - BOTTOM - TOP
    group = (WIDTH - LEFT * 2) / 12
    bar = group * 0.36
    bars = []
    for i, m in enumerate(months):
        x = LEFT + i * group + group * 0.12
        for offset, value, kind in ((0, m.last_year, "last"), (bar, m.this_year, "this")):
            h = float(value / top) * plot_h
            bars.append({"x": round(x + offset, 1), "y": round(HEIGHT - BOTTOM - h, 1), "w": round(bar, 1),
                         "h": round(h, 1), "kind": kind})
        bars.append({"label": m.label, "x": round(LEFT + i * group + group / 2, 1), "kind": "label"})
    return bars


def giving_by_month(today: date | None = None) -> str:
    today = today or local_today()
    currency = default_currency()
    year, months, last_to_date = monthly_totals(today, currency)
    totals = {"this": sum((m.this_year for m in months), ZERO), "last": sum((m.last_year for m in months), ZERO),
              "last_to_date": last_to_date}
    return render_template("pipeline/widget_giving.html", year=year, months=months, totals=totals,
                           bars=_bars(months), money=format_money, currency=currency, width=WIDTH, height=HEIGHT,
                           baseline=HEIGHT - BOTTOM, gifts_url=link("pipeline.gifts"))


@dataclass
class StageValue:
    stage_id: int
    name: str
    probability: int
    count: int = 0
    total: Decimal = ZERO

    @property
    def weighted(self) -> Decimal:
        return (self.total * self.probability / 100).quantize(CENT)


def open_value_by_stage(currency: str | None = None) -> list[tuple[Pipeline, list[StageValue]]]:
    """For each active pipeline, its open stages with the number of
    opportunities, their total and their total weighted by the stage's
    probability (two queries)."""
    currency = currency or default_currency()
    stages = db.session.execute(
        select(Pipeline, Stage).join(Stage, Stage.pipeline_id == Pipeline.id)
        .where(Pipeline.archived.is_(False), Stage.outcome == OPEN)
        .order_by(Pipeline.position, Pipeline.id, Stage.position, Stage.id)).all()
    sums = {stage_id: (count, total) for stage_id, count, total in db.session.execute(
        select(Opportunity.stage_id, func.count(Opportunity.id), func.sum(Opportunity.amount))
        .join(Stage, Stage.id == Opportunity.stage_id)
        .join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .where(Stage.outcome == OPEN, Pipeline.archived.is_(False), Opportunity.currency == currency)
        .group_by(Opportunity.stage_id))}
    out: list[tuple[Pipeline, list[StageValue]]] = []
    for pipeline, stage in stages:
        if not out or out[-1][0].id != pipeline.id:
            out.append((pipeline, []))
        count, total = sums.get(stage.id, (0, ZERO))
        out[-1][1].append(StageValue(stage.id, stage.name, stage.probability, count, total or ZERO))
    return out


def pipeline_value() -> str:
    currency = default_currency()
    pipelines = open_value_by_stage(currency)
    return render_template("pipeline/widget_pipeline.html", pipelines=pipelines, money=format_money,
                           currency=currency, link=link, zero=ZERO)
