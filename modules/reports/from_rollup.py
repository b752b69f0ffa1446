"""A grouped report read from a source's rollup (app/reporting/sources.py
`Rollup`) instead of its rows, when the rollup holds everything the report
asks: a few thousand rows of daily totals instead of millions of gifts.

The result is the one the rows give. The rollup's rows are bucketed and
filtered through the columns it maps the fields to, with the builder's
own bucket and filter expressions; rows the rollup totals but the source
leaves out (`Rollup.excludes`) are read from the source and subtracted
(UNION ALL of their negatives), and a group left with no rows is dropped,
as the rows would never have made it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import case, func, literal, select, type_coerce, union_all

from app.reporting.sources import Field, Rollup
from modules.reports import buckets
from modules.reports.spec import Spec, applied

ROWS = "rollup_rows_"  # the inner column counting the source's rows


def _same_kind(f: Field, column) -> bool:
    """A date-time field filters from the organisation's midnight, a date by its
    day: the rollup's column must be of the same kind for a filter to agree."""
    from modules.reports.query import is_datetime

    return f.type != "date" or is_datetime(f) == is_datetime(replace(f, column=column))


def chosen(spec: Spec) -> Rollup | None:
    """The first of the source's rollups that answers `spec` exactly, or None
    (read the rows): a grouped report, no contact filter, every grouping and
    filter on a field the rollup maps, every summary a count or a declared sum."""
    if not spec.grouped or spec.contact_tokens or not spec.source.rollups:
        return None
    groups = [g.field for g in spec.groups]
    filters = [w.field for w in applied(spec)]
    measures = [(m.agg, m.field.key if m.field else None) for m in spec.measures]
    for rollup in spec.source.rollups:
        if not rollup.answers([f.key for f in groups], measures, [f.key for f in filters]):
            continue
        if all(_same_kind(f, rollup.fields[f.key]) for f in groups + filters):
            return rollup
    return None


def _groups(spec: Spec, column_of, dialect: str, fiscal_start: int) -> list:
    out = []
    for g in spec.groups:
        column = column_of(g.field)
        expr = buckets.bucket(column, g.bucket, dialect, fiscal_start) if g.bucket else column
        out.append(expr.label(g.key))
    return out


def statement(spec: Spec, rollup: Rollup, dialect: str, fiscal_start: int):
    """The grouped SELECT over the rollup (no order or limit) and its labelled
    output columns, keyed as the rows' query keys them."""
    from modules.reports.query import from_clause, where_condition

    wheres = applied(spec)
    sums = [m for m in spec.measures if m.agg == "sum"]

    def mapped(f: Field) -> Field:
        return replace(f, column=rollup.fields[f.key])

    parts = [select(*_groups(spec, lambda f: rollup.fields[f.key], dialect, fiscal_start),
                    rollup.count.label(ROWS), *[rollup.sums[m.field.key].label(m.key) for m in sums])
             .select_from(rollup.table)
             .where(*[where_condition(replace(w, field=mapped(w.field))) for w in wheres])]
    if rollup.excludes is not None:
        used = [g.field for g in spec.groups] + [w.field for w in wheres] + [m.field for m in sums]
        parts.append(select(*_groups(spec, lambda f: f.column, dialect, fiscal_start),
                            literal(-1).label(ROWS), *[(-m.field.column).label(m.key) for m in sums])
                     .select_from(from_clause(spec.source, used))
                     .where(*rollup.excludes(), *[where_condition(w) for w in wheres]))
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("rollup")
    counted = func.sum(rows.c[ROWS])
    labelled = [rows.c[g.key].label(g.key) for g in spec.groups]
    for m in spec.measures:
        if m.agg == "count":
            expr = func.coalesce(counted, 0)
        else:  # a sum over no rows is empty, as SUM() of the rows would be
            expr = type_coerce(case((counted > 0, func.sum(rows.c[m.key]))), m.field.column.type)
        labelled.append(expr.label(m.key))
    stmt = select(*labelled).select_from(rows)
    if spec.groups:
        stmt = stmt.group_by(*[rows.c[g.key] for g in spec.groups]).having(counted > 0)
    return stmt, labelled
