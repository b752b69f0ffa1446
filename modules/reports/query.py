"""A `Spec` turned into one SQLAlchemy Core SELECT, run within the time
budget, and read into a `Result` (app/reporting/results.py).

Only declared column expressions reach SQL; every value is a bound
parameter. Joins a field needs are added (outer) only when it is used."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import DateTime, TypeDecorator, and_, distinct, func, or_, select, type_coerce

from app.dates import day_start
from app.extensions import db
from app.reporting.results import Column, Result
from app.reporting.sources import Field, Source, fiscal_year_start_month
from modules.reports import buckets, from_rollup
from modules.reports.budget import budget
from modules.reports.spec import Spec, Where, applied

CENT = Decimal("0.01")


# Filters ----------------------------------------------------------------------

def is_datetime(f: Field) -> bool:
    kind = getattr(f.column, "type", None)
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _day_bounds(f: Field, lo: date | None, hi: date | None):
    """Inclusive days as conditions (date-times from the organisation's midnight)."""
    col, parts = f.column, []
    if is_datetime(f):
        if lo is not None:
            parts.append(col >= day_start(lo))
        if hi is not None:
            parts.append(col < day_start(hi + timedelta(days=1)))
    else:
        if lo is not None:
            parts.append(col >= lo)
        if hi is not None:
            parts.append(col <= hi)
    return and_(*parts)


def where_condition(w: Where):
    f, op, v, col = w.field, w.op, w.parsed, w.field.column
    if op == "set":
        return and_(col.is_not(None), col != "") if f.type in ("text", "choice") else col.is_not(None)
    if op == "not_set":
        return or_(col.is_(None), col == "") if f.type in ("text", "choice") else col.is_(None)
    if op == "yes":
        return col.is_(True)
    if op == "no":
        return or_(col.is_(False), col.is_(None))
    if f.type == "date":
        if op == "between":
            return _day_bounds(f, *v)
        if op == "on":
            return _day_bounds(f, v, v)
        return _day_bounds(f, v, None) if op == "after" else _day_bounds(f, None, v)
    if op == "between":
        lo, hi = v
        return and_(*([col >= lo] if lo is not None else []), *([col <= hi] if hi is not None else []))
    if op == "is":
        return col == v
    if op == "is_not":
        return or_(col != v, col.is_(None))
    if op == "gt":
        return col > v
    if op == "lt":
        return col < v
    if op == "contains":
        return func.lower(col).contains(v.lower(), autoescape=True)
    if op == "starts":
        return func.lower(col).startswith(v.lower(), autoescape=True)
    raise ValueError(op)


def contact_condition(spec: Spec, contact_specs: dict | None):
    """The contacts filter builder's rules, through the chosen contact join;
    rules that cannot be read are added to `spec.errors`."""
    if not spec.contact_tokens or contact_specs is None:
        return None
    from modules.contacts.lists import queries
    from modules.contacts.models import Contact

    lq = queries.parse_tokens("", spec.contact_tokens, spec.match, "name", contact_specs)
    conditions = queries.conditions(lq, contact_specs)
    for rule in lq.rules:
        message = f"Contact filter: {rule.error}" if rule.error else ""
        if message and message not in spec.errors:
            spec.errors.append(message)
    join = spec.source.contact_join(spec.via)
    return join.column.in_(select(Contact.id).where(*conditions))


# The statement ----------------------------------------------------------------

def _used_fields(spec: Spec) -> list[Field]:
    used = list(spec.columns) + [g.field for g in spec.groups]
    used += [m.field for m in spec.measures if m.field is not None]
    used += [w.field for w in spec.wheres if w.field is not None]
    return used


def from_clause(source: Source, fields: list[Field]):
    names = {name for f in fields for name in f.joins}
    stmt_from = source.table
    for join in source.joins:
        if join.name in names:
            stmt_from = stmt_from.outerjoin(join.target, join.on)
    return stmt_from


def _measure(m):
    if m.agg == "count":
        return func.count()
    col = m.field.column
    if m.agg == "distinct":
        return func.count(distinct(col))
    expr = {"sum": func.sum, "avg": func.avg, "min": func.min, "max": func.max}[m.agg](col)
    if m.agg == "avg" and isinstance(getattr(col, "type", None), TypeDecorator):
        # A column stored its own way (Money: whole hundredths) reads its average back the same way.
        expr = type_coerce(expr, col.type)
    return expr


def statement(spec: Spec, contact_specs: dict | None = None, *, dialect: str | None = None,
              fiscal_start: int | None = None, limit: int | None = None, rollups: bool = True):
    """The SELECT for `spec` (its labels are the output keys): from one of
    the source's rollups when one answers it (from_rollup.py; `rollups=False`
    reads the rows whatever), else from the rows."""
    dialect = dialect or db.session.get_bind().dialect.name
    fiscal_start = fiscal_start or fiscal_year_start_month()
    source = spec.source
    conditions = source.conditions() + [where_condition(w) for w in applied(spec)]
    contacts = contact_condition(spec, contact_specs)
    if contacts is not None:
        conditions.append(contacts)
    rollup = from_rollup.chosen(spec) if rollups and contacts is None else None
    if rollup is not None:
        stmt, labelled = from_rollup.statement(spec, rollup, dialect, fiscal_start)
        by_key = {lab.key: lab for lab in labelled}
        default = [by_key[g.key].asc().nulls_last() for g in spec.groups]
    elif spec.grouped:
        group_exprs = [buckets.bucket(g.field.column, g.bucket, dialect, fiscal_start) if g.bucket
                       else g.field.column for g in spec.groups]
        labelled = [e.label(g.key) for e, g in zip(group_exprs, spec.groups, strict=True)]
        labelled += [_measure(m).label(m.key) for m in spec.measures]
        stmt = select(*labelled).select_from(from_clause(source, _used_fields(spec))).where(*conditions)
        if group_exprs:
            stmt = stmt.group_by(*group_exprs)
        by_key = {lab.key: lab for lab in labelled}
        default = [by_key[g.key].asc().nulls_last() for g in spec.groups]
    else:
        columns = spec.columns or source.fields[:6]
        labelled = [f.column.label(f.key) for f in columns]
        stmt = select(*labelled).select_from(from_clause(source, list(columns) + _used_fields(spec))).where(*conditions)
        by_key = {lab.key: lab for lab in labelled}
        default = [source.key]
    if spec.sort:
        key = spec.sort.lstrip("-")
        # Empty values last either way, on SQLite as on PostgreSQL.
        order = (by_key[key].desc() if spec.sort.startswith("-") else by_key[key].asc()).nulls_last()
        stmt = stmt.order_by(order, *default)
    elif default:
        stmt = stmt.order_by(*default)
    return stmt.limit((limit or spec.limit) + 1)


# Reading the rows -------------------------------------------------------------

def output_columns(spec: Spec) -> list[Column]:
    if spec.grouped:
        cols = [Column(g.key, g.label, "text" if g.bucket else g.field.type) for g in spec.groups]
        return cols + [Column(m.key, m.label, m.type) for m in spec.measures]
    return [Column(f.key, f.label, f.type) for f in (spec.columns or spec.source.fields[:6])]


def _typed(value, kind: str, agg: str = ""):
    if value is None:
        return None
    if kind == "money":
        return Decimal(str(value)).quantize(CENT)
    if kind == "number" and agg == "avg":
        return Decimal(str(value)).quantize(CENT)
    if kind == "date" and isinstance(value, str):
        return buckets.as_date(value)
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    if kind == "boolean":
        return bool(value)
    return value


def _choice_labels(f: Field) -> dict:
    if f.type != "choice" or f.choices is None:
        return {}
    return {str(v): label for v, label in f.choices()}


def run(spec: Spec, contact_specs: dict | None = None, *, limit: int | None = None,
        seconds: float | None = None, rollups: bool = True) -> tuple[Result, list[tuple]]:
    """The result (display values) and the raw group values per row (for
    drill-downs). Raises budget.OverBudget when the query runs too long."""
    limit = limit or spec.limit
    stmt = statement(spec, contact_specs, limit=limit, rollups=rollups)
    with budget(seconds):
        rows = db.session.execute(stmt).all()
    notes, truncated = [], len(rows) > limit
    if truncated:
        rows = rows[:limit]
        notes.append(f"Showing the first {limit:,} rows.")
    columns = output_columns(spec)
    raw_groups: list[tuple] = []
    out: list[tuple] = []
    if spec.grouped:
        labels = [_choice_labels(g.field) for g in spec.groups]
        n = len(spec.groups)
        for row in rows:
            raw, shown = [], []
            for i, g in enumerate(spec.groups):
                value = row[i]
                if g.bucket:
                    start = buckets.as_date(value)
                    raw.append(start)
                    shown.append(buckets.label(start, g.bucket))
                else:
                    value = _typed(value, g.field.type)
                    raw.append(value)
                    shown.append(labels[i].get(str(value), value) if value is not None else None)
            for j, m in enumerate(spec.measures):
                shown.append(_typed(row[n + j], m.type, m.agg))
            raw_groups.append(tuple(raw))
            out.append(tuple(shown))
    else:
        fields = spec.columns or spec.source.fields[:6]
        labels = [_choice_labels(f) for f in fields]
        for row in rows:
            out.append(tuple(labels[i].get(str(v), v) if labels[i] and v is not None else _typed(v, f.type)
                             for i, (v, f) in enumerate(zip(row, fields, strict=True))))
    return Result(columns=columns, rows=out, notes=notes, truncated=truncated), raw_groups
