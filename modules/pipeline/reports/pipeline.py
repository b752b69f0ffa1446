"""Pipeline reports: win rate, time in stage, and forecast against actual.
Opportunities number in the thousands, not millions; each report is one or
two grouped queries. Amounts are in the organisation's currency
(opportunities in other currencies are counted apart and named)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import url_for
from sqlalchemy import BigInteger, String, case, cast, func, select, type_coerce

from app.dates import day_start
from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.reporting.results import Column, Result
from app.reporting.standard import ChartSpec, Table
from modules.pipeline.forecast import add_months
from modules.pipeline.gifts import default_currency
from modules.pipeline.models import LOST, OPEN, WON, Opportunity, Pipeline, Stage, StageChange
from modules.pipeline.opportunities import cents, weighted_amount
from modules.pipeline.reports import periods


def pipeline_choices() -> list[tuple[str, str]]:
    return [("", "All pipelines")] + [(str(i), n) for i, n in db.session.execute(
        select(Pipeline.id, Pipeline.name).order_by(Pipeline.position, Pipeline.name))]


def _pipeline_condition(values: dict, column=Opportunity.pipeline_id) -> list:
    chosen = periods.chosen_id(values, "pipeline")
    return [column == chosen] if chosen is not None else []


def win_rate(values: dict) -> list[Table]:
    """Per pipeline: of the opportunities closed in the period (`closed_on`), how many were won."""
    p = periods.period(values)
    currency = default_currency()
    rows = db.session.execute(
        select(Pipeline.name, Stage.outcome, func.count(Opportunity.id),
               func.sum(case((Opportunity.currency == currency, type_coerce(Opportunity.amount, BigInteger)))))
        .join(Stage, Stage.id == Opportunity.stage_id).join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .where(Opportunity.closed_on >= p.start, Opportunity.closed_on < p.end, Stage.outcome.in_((WON, LOST)),
               *_pipeline_condition(values))
        .group_by(Pipeline.name, Stage.outcome)).all()
    by_pipeline: dict[str, dict] = defaultdict(lambda: {WON: (0, Decimal(0)), LOST: (0, Decimal(0))})
    for name, outcome, n, amount in rows:
        by_pipeline[name][outcome] = (n, cents(amount))
    out = []
    every = {WON: [0, Decimal(0)], LOST: [0, Decimal(0)]}
    for name in sorted(by_pipeline):
        (won, won_value), (lost, lost_value) = by_pipeline[name][WON], by_pipeline[name][LOST]
        out.append((name, won, lost, periods.percent(won, won + lost), won_value, lost_value,
                    _value_rate(won_value, lost_value)))
        for key, n, v in ((WON, won, won_value), (LOST, lost, lost_value)):
            every[key][0] += n
            every[key][1] += v
    result = Result([Column("pipeline", "Pipeline"), Column("won", "Won", "number"), Column("lost", "Lost", "number"),
                     Column("rate", "Win rate", "percent"), Column("won_value", f"Won value ({currency})", "money"),
                     Column("lost_value", f"Lost value ({currency})", "money"),
                     Column("value_rate", "Win rate by value", "percent")], out)
    result.notes.append(f"Opportunities closed (won or lost) {p.label}. Win rate = won / (won + lost).")
    (won, won_value), (lost, lost_value) = every[WON], every[LOST]
    footer = ("All pipelines", won, lost, periods.percent(won, won + lost), won_value, lost_value,
              _value_rate(won_value, lost_value))
    return [Table("Win rate", result, ChartSpec("stacked", "pipeline", ("won", "lost")), footer=footer)]


def _value_rate(won: Decimal, lost: Decimal):
    whole = won + lost
    return (won * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else None


def _days(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start).total_seconds() / 86400).quantize(Decimal("0.1"), ROUND_HALF_UP)


def time_in_stage(values: dict) -> list[Table]:
    """Per stage: the stays that ended in the period (the opportunity moved
    on), their average and median length in days; and how many opportunities
    are in the stage now, for how long on average."""
    p = periods.period(values)
    start, end = day_start(p.start), day_start(p.end)
    following = func.lead(StageChange.at, type_=UTCDateTime).over(partition_by=StageChange.opportunity_id,
                                               order_by=(StageChange.at, StageChange.id))
    stays = (select(StageChange.to_stage_id.label("stage_id"), StageChange.at.label("entered"),
                    following.label("left"))
             .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
             .where(*_pipeline_condition(values)).subquery())
    lengths: dict[int, list[Decimal]] = defaultdict(list)
    for stage_id, entered, left in db.session.execute(
            select(stays).where(stays.c.left.is_not(None), stays.c.left >= start, stays.c.left < end)):
        if stage_id is not None:
            lengths[stage_id].append(_days(entered, left))
    now = utcnow()
    current: dict[int, list[Decimal]] = defaultdict(list)
    for stage_id, entered in db.session.execute(
            select(Opportunity.stage_id, Opportunity.stage_entered_at).join(Stage, Stage.id == Opportunity.stage_id)
            .where(Stage.outcome == OPEN, *_pipeline_condition(values))):
        current[stage_id].append(_days(entered, now) if entered else Decimal(0))
    stages = db.session.execute(
        select(Stage.id, Stage.name, Pipeline.name, Stage.outcome).join(Pipeline, Pipeline.id == Stage.pipeline_id)
        .where(*_pipeline_condition(values, Stage.pipeline_id))
        .order_by(Pipeline.position, Pipeline.name, Stage.position)).all()
    rows, drill = [], []
    for stage_id, name, pipeline, outcome in stages:
        if outcome != OPEN:
            continue  # nobody leaves won or lost on their way through
        done, now_in = lengths.get(stage_id, []), current.get(stage_id, [])
        rows.append((f"{pipeline}: {name}", len(done), _mean(done), _median(done), len(now_in), _mean(now_in)))
        drill.append(url_for("pipeline.opportunities", stage=stage_id) if now_in else None)
    result = Result([Column("stage", "Stage"), Column("stays", "Moved on", "number"),
                     Column("average", "Average days", "number"), Column("median", "Median days", "number"),
                     Column("now", "In the stage now", "number"),
                     Column("now_average", "Days so far (average)", "number")], rows, drill)
    result.notes.append(f"Stays that ended {p.label}: from entering a stage to the next move. "
                        "Days so far count to today.")
    return [Table("Time in stage", result, ChartSpec("bar", "stage", ("average", "median")), drill_column="now")]


def _mean(values: list[Decimal]):
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP) if values else None


def _median(values: list[Decimal]):
    return Decimal(statistics.median(values)).quantize(Decimal("0.1"), ROUND_HALF_UP) if values else None


def forecast_actual(values: dict) -> list[Table]:
    """Per month of the period: what the pipeline expected to close then
    (every opportunity with that expected close date, whatever became of it),
    the open part of it weighted by stage probability, and what was won."""
    p = periods.period(values)
    currency = default_currency()
    month_of = func.substr(cast(Opportunity.expected_close, String), 1, 7)
    expected = {m: (n, cents(a), weighted_amount(w)) for m, n, a, w in db.session.execute(
        select(month_of, func.count(Opportunity.id), func.sum(type_coerce(Opportunity.amount, BigInteger)),
               func.sum(case((Stage.outcome == OPEN, type_coerce(Opportunity.amount, BigInteger) * Stage.probability))))
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.currency == currency, Opportunity.expected_close >= p.start,
               Opportunity.expected_close < p.end, *_pipeline_condition(values))
        .group_by(month_of))}
    won_month = func.substr(cast(Opportunity.closed_on, String), 1, 7)
    won = {m: (n, cents(a)) for m, n, a in db.session.execute(
        select(won_month, func.count(Opportunity.id), func.sum(type_coerce(Opportunity.amount, BigInteger)))
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.currency == currency, Stage.outcome == WON, Opportunity.closed_on >= p.start,
               Opportunity.closed_on < p.end, *_pipeline_condition(values))
        .group_by(won_month))}
    rows, drill = [], []
    month = p.start.replace(day=1)
    chosen = periods.chosen_id(values, "pipeline")
    while month < p.end:
        key = month.strftime("%Y-%m")
        n, amount, weighted = expected.get(key, (0, Decimal("0.00"), Decimal("0.00")))
        won_n, won_amount = won.get(key, (0, Decimal("0.00")))
        rows.append((month.strftime("%b %Y"), n, amount, weighted, won_n, won_amount,
                     (won_amount * 100 / amount).quantize(Decimal("0.1"), ROUND_HALF_UP) if amount else None))
        last = add_months(month, 1)
        drill.append(url_for("pipeline.opportunities", close_from=month.isoformat(),
                             close_to=date.fromordinal(last.toordinal() - 1).isoformat(),
                             **({"pipeline": chosen} if chosen else {})) if n else None)
        month = last
    result = Result([Column("month", "Month"), Column("expected", "Expected to close", "number"),
                     Column("forecast", f"Expected value ({currency})", "money"),
                     Column("weighted", "Still open, weighted", "money"), Column("won", "Won", "number"),
                     Column("actual", f"Won value ({currency})", "money"),
                     Column("ratio", "Won / expected", "percent")], rows, drill)
    result.notes.append(f"{p.label[0].upper()}{p.label[1:]}. Expected: opportunities whose expected close date "
                        "falls in the month, whatever became of them. Won: closed as won in the month.")
    return [Table("Forecast against actual", result, ChartSpec("bar", "month", ("forecast", "actual")),
                  drill_column="expected")]
