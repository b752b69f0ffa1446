"""A builder report as a query string, read against the declared sources.

Every report is a GET URL (bookmarkable, shareable, saved as is):

    source=gifts               a Source.name the user may see
    col=donor&col=amount       columns of a plain list (no grouping)
    g=received:fiscal          group by a field, with a date bucket; up to two
    m=sum:amount&m=count       measures: count, or AGG:FIELD (distinct, sum,
                               avg, min, max)
    w=amount:gt:100            a filter on the source's own fields: KEY:OP:VALUE
    f=tag:is:3&match=all       the contacts filter builder's rules, applied to
    via=donor                  the contact the row leads to (Source.contacts)
    sort=-sum_amount           an output column's key, "-" for descending
    limit=500                  rows shown (at most MAX_LIMIT)
    chart=bar                  table, bar, line or stacked

The builder form sends rows as parallel lists instead (gf/gb, ma/mf,
wk/wo/wv, fk/fo/fv/fv2, remove=w3/f2); `parse` reads both, and `Spec.args()`
gives the canonical form above.

Nothing a user types names SQL: keys are looked up among the source's
declared fields (an unknown or forbidden key is an error that names it, and
the query is not run), and values are parsed to the field's type, then bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from app.ids import parse_id
from app.reporting.sources import Field, Source

AGGREGATES = {"count": "Count", "distinct": "Distinct count", "sum": "Sum", "avg": "Average",
              "min": "Minimum", "max": "Maximum"}
BUCKETS = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year",
           "fiscal": "Fiscal year"}
CHARTS = {"table": "Table", "bar": "Bar chart", "line": "Line chart", "stacked": "Stacked bars"}
OPS = {
    "text": {"is": "is", "is_not": "is not", "contains": "contains", "starts": "starts with",
             "set": "is filled in", "not_set": "is empty"},
    "number": {"is": "is", "is_not": "is not", "gt": "more than", "lt": "less than", "between": "between",
               "set": "is filled in", "not_set": "is empty"},
    "date": {"between": "between", "after": "on or after", "before": "on or before", "on": "on",
             "set": "is filled in", "not_set": "is empty"},
    "choice": {"is": "is", "is_not": "is not", "set": "is filled in", "not_set": "is empty"},
    "boolean": {"yes": "yes", "no": "no"},
}
OPS["money"] = OPS["number"]
VALUELESS = ("set", "not_set", "yes", "no")
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
MAX_GROUPS = 2
MAX_MEASURES = 4
MAX_WHERE = 20


class SourceProblem(Exception):
    """The source named cannot be used: `status` 404 (none such) or 403 (not yours)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass
class Group:
    field: Field
    bucket: str = ""  # date fields: one of BUCKETS

    @property
    def key(self) -> str:
        return f"{self.field.key}_{self.bucket}" if self.bucket else self.field.key

    @property
    def token(self) -> str:
        return f"{self.field.key}:{self.bucket}" if self.bucket else self.field.key

    @property
    def label(self) -> str:
        return f"{self.field.label} ({BUCKETS[self.bucket].lower()})" if self.bucket else self.field.label


@dataclass
class Measure:
    agg: str
    field: Field | None = None

    @property
    def key(self) -> str:
        return self.agg if self.field is None else f"{self.agg}_{self.field.key}"

    @property
    def token(self) -> str:
        return self.agg if self.field is None else f"{self.agg}:{self.field.key}"

    @property
    def label(self) -> str:
        if self.field is None:
            return "Count"
        return f"{AGGREGATES[self.agg]} of {self.field.label.lower()}"

    @property
    def type(self) -> str:
        if self.agg in ("count", "distinct"):
            return "number"
        return self.field.type if self.field else "number"


@dataclass
class Where:
    key: str
    op: str = ""
    value: str = ""
    field: Field | None = None
    error: str = ""
    pending: bool = False  # a field chosen, its value not given yet: shown, not applied
    parsed: object = None  # the value read to the field's type

    @property
    def token(self) -> str:
        return f"{self.key}:{self.op}:{self.value}"

    @property
    def range(self) -> tuple[str, str]:
        start, _, end = self.value.partition("..")
        return start, end


@dataclass
class Spec:
    source: Source
    columns: list[Field] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    wheres: list[Where] = field(default_factory=list)
    contact_tokens: list[str] = field(default_factory=list)
    match: str = "all"
    via: str = ""
    sort: str = ""
    limit: int = DEFAULT_LIMIT
    chart: str = "table"
    errors: list[str] = field(default_factory=list)

    @property
    def grouped(self) -> bool:
        return bool(self.groups or self.measures)

    @property
    def problems(self) -> list[str]:
        return self.errors + [f"{w.field.label if w.field else w.key}: {w.error}" for w in self.wheres if w.error]

    def output_keys(self) -> list[str]:
        if self.grouped:
            return [g.key for g in self.groups] + [m.key for m in self.measures]
        return [c.key for c in self.columns]

    def args(self, **extra) -> dict:
        """The canonical query string (for url_for and saving)."""
        args: dict = {"source": self.source.name}
        if self.columns and not self.grouped:
            args["col"] = [c.key for c in self.columns]
        if self.groups:
            args["g"] = [g.token for g in self.groups]
        if self.measures:
            args["m"] = [m.token for m in self.measures]
        if self.wheres:
            args["w"] = [w.token for w in self.wheres]
        if self.contact_tokens:
            args["f"] = list(self.contact_tokens)
            if self.match != "all":
                args["match"] = self.match
        if self.via and self.source.contacts and self.via != self.source.contacts[0].key:
            args["via"] = self.via
        if self.sort:
            args["sort"] = self.sort
        if self.limit != DEFAULT_LIMIT:
            args["limit"] = self.limit
        if self.chart != "table":
            args["chart"] = self.chart
        args.update({k: v for k, v in extra.items() if v is not None})
        return args


# Values ---------------------------------------------------------------------

def _number(text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"“{text[:40]}” is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"“{text[:40]}” is not a number.")
    return number


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"“{text[:40]}” is not a date (YYYY-MM-DD).") from None


def _range(text: str, read):
    start, sep, end = text.partition("..")
    if not sep:
        raise ValueError("Enter where the range starts, ends, or both.")
    lo = read(start) if start.strip() else None
    hi = read(end) if end.strip() else None
    if lo is None and hi is None:
        raise ValueError("Enter where the range starts, ends, or both.")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError("The range starts after it ends.")
    return lo, hi


def read_value(f: Field, op: str, value: str):
    """The filter value as the field's type, or ValueError with a message."""
    if op in VALUELESS:
        return None
    if not value.strip():
        raise ValueError("Enter a value.")
    if f.type in ("number", "money"):
        return _range(value, _number) if op == "between" else _number(value)
    if f.type == "date":
        return _range(value, _date) if op == "between" else _date(value)
    if f.type == "choice" and f.choices is not None:
        allowed = {str(v) for v, _ in f.choices()}
        if value not in allowed:
            raise ValueError(f"“{value[:40]}” is not one of the choices.")
    return value.strip()[:200]


def _check_where(w: Where, source: Source) -> Where:
    f = source.field(w.key)
    if f is None or not f.filterable:
        w.error = f"there is no field called “{w.key[:60]}” to filter on in {source.label}."
        return w
    w.field = f
    ops = OPS[f.type]
    if not w.op:
        w.op = next(iter(ops))
    if w.op not in ops:
        w.error = f"“{w.op[:40]}” is not a condition for {f.label}."
        return w
    if w.op not in VALUELESS and not w.value.strip(".").strip():
        w.pending = True
        return w
    try:
        w.parsed = read_value(f, w.op, w.value)
    except ValueError as error:
        w.error = str(error)
    return w


# Parsing --------------------------------------------------------------------

def source_named(name: str, visible: dict[str, Source], every: dict[str, Source]) -> Source:
    if name in visible:
        return visible[name]
    if name in every:
        raise SourceProblem(f"Your role does not allow reports on {every[name].label}.", 403)
    raise SourceProblem(f"There is no report source called “{name[:60]}”.", 404)


def _form_lists(args) -> tuple[list[str], list[str], list[str], bool]:
    """Groups, measures and filters from the form's parallel lists, if sent."""
    from_form = any(k in args for k in ("gf", "ma", "wk", "fk", "remove"))
    remove = args.get("remove", "")
    groups = list(args.getlist("g"))
    for key, bucket in zip(args.getlist("gf"), args.getlist("gb"), strict=False):
        if key:
            groups.append(f"{key}:{bucket}" if bucket else key)
    measures = list(args.getlist("m"))
    for agg, key in zip(args.getlist("ma"), args.getlist("mf"), strict=False):
        if agg:
            measures.append(agg if agg == "count" else f"{agg}:{key}")
    wheres = [t for i, t in enumerate(args.getlist("w")) if remove != f"w{i}"]
    keys, ops, values, ends = args.getlist("wk"), args.getlist("wo"), args.getlist("wv"), args.getlist("wv2")
    offset = len(wheres)
    for i, key in enumerate(keys):
        if not key or remove == f"w{offset + i}":
            continue
        op = ops[i] if i < len(ops) else ""
        value = values[i] if i < len(values) else ""
        end = ends[i] if i < len(ends) else ""
        if op == "between":
            value = f"{value.strip()}..{end.strip()}" if (value.strip() or end.strip()) else ""
        wheres.append(f"{key}:{op}:{value}")
    return groups, measures, wheres, from_form


def contact_tokens(args, specs) -> tuple[list[str], str]:
    """The contacts filter rules, read as the contacts list reads them."""
    from modules.contacts.lists import queries

    form_args = args
    if args.get("remove", "").startswith("w"):  # a report filter's row, not a contact rule's
        from werkzeug.datastructures import MultiDict

        form_args = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "remove"])
    lq, _ = queries.parse(form_args, specs)
    return [r.token for r in lq.rules], lq.match


def parse(args, source: Source, specs: dict | None) -> tuple[Spec, bool]:
    """The spec from request args, and whether it came from the form's rows."""
    groups, measures, wheres, from_form = _form_lists(args)
    spec = Spec(source=source)
    for key in args.getlist("col")[:40]:
        f = source.field(key)
        if f is None:
            spec.errors.append(f"There is no column called “{key[:60]}” in {source.label}; it is left out.")
        elif f not in spec.columns:
            spec.columns.append(f)
    for token in groups[:MAX_GROUPS + 2]:
        key, _, bucket = token.partition(":")
        f = source.field(key)
        if f is None:
            spec.errors.append(f"There is no field called “{key[:60]}” to group by in {source.label}.")
        elif not f.groupable:
            spec.errors.append(f"{f.label} cannot be grouped by.")
        elif f.type == "date" and bucket and bucket not in BUCKETS:
            spec.errors.append(f"Choose how to group {f.label}: by day, week, month, quarter, year or fiscal year.")
        elif f.type != "date" and bucket:
            spec.errors.append(f"{f.label} is not a date: it is grouped by its values, not by “{bucket[:20]}”.")
        elif len(spec.groups) >= MAX_GROUPS:
            spec.errors.append(f"A report groups by at most {MAX_GROUPS} fields.")
        else:
            spec.groups.append(Group(f, bucket or ("month" if f.type == "date" else "")))
    for token in measures[:MAX_MEASURES + 2]:
        agg, _, key = token.partition(":")
        if agg not in AGGREGATES:
            spec.errors.append(f"“{agg[:30]}” is not a way to summarise (count, distinct, sum, avg, min, max).")
            continue
        if agg == "count":
            measure = Measure("count")
        else:
            f = source.field(key)
            if not key:
                spec.errors.append(f"Choose the field to take the {AGGREGATES[agg].lower()} of.")
                continue
            if f is None:
                spec.errors.append(f"There is no field called “{key[:60]}” to summarise in {source.label}.")
                continue
            if agg in ("sum", "avg") and not f.summable:
                spec.errors.append(f"{f.label} cannot be added up.")
                continue
            if agg in ("min", "max") and not (f.summable or f.orderable):
                spec.errors.append(f"{f.label} has no smallest or largest.")
                continue
            measure = Measure(agg, f)
        if len(spec.measures) >= MAX_MEASURES:
            spec.errors.append(f"A report shows at most {MAX_MEASURES} summaries.")
        elif measure.key not in [m.key for m in spec.measures]:
            spec.measures.append(measure)
    if spec.groups and not spec.measures:
        spec.measures.append(Measure("count"))
    spec.wheres = [_check_where(Where(*_split(t)), source) for t in wheres[:MAX_WHERE]]
    if specs is not None and source.contacts:
        spec.contact_tokens, spec.match = contact_tokens(args, specs)
        via = args.get("via", "")
        if via and source.contact_join(via) is None:
            spec.errors.append(f"{source.label} do not lead to contacts as “{via[:40]}”.")
        spec.via = via if source.contact_join(via) else source.contacts[0].key
    elif args.getlist("f") or args.getlist("fk"):
        if source.contacts:
            spec.errors.append("Your role does not allow filtering by contacts.")
        else:
            spec.errors.append(f"{source.label} do not lead to contacts: contact filters do not apply.")
    sort = args.get("sort", "")
    if sort:
        if sort.lstrip("-") in spec.output_keys():
            spec.sort = sort
        else:
            spec.errors.append(f"“{sort[:40]}” is not a column of this report to sort by.")
    limit = args.get("limit", "")
    if limit:
        number = parse_id(limit)
        if number is None or number < 1:
            spec.errors.append(f"The row limit “{limit[:20]}” is not a whole number above 0.")
        else:
            spec.limit = min(number, MAX_LIMIT)
    chart = args.get("chart", "table")
    spec.chart = chart if chart in CHARTS else "table"
    if spec.chart != "table" and not spec.groups:
        spec.chart = "table"
    return spec, from_form


def _split(token: str) -> tuple[str, str, str]:
    key, _, rest = token.partition(":")
    op, _, value = rest.partition(":")
    return key.strip(), op.strip(), value


def applied(spec: Spec) -> list[Where]:
    """The filters a query applies (one with an error or no value yet is not)."""
    return [w for w in spec.wheres if not w.error and not w.pending]
