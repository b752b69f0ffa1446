"""Standard reports: ready-made reports a module contributes through its
manifest (`Module.standard_reports`), shown by the reports module under
/reports/standard/<key>. They live in the core so that the module that owns
the data (pipeline's giving reports) contributes them without importing the
reports module, and so a disabled module's reports simply do not exist.

A report declares its parameters; the reports module reads them from the
query string (so every report is a bookmarkable GET URL that works without
JavaScript), checks them against these declarations, and calls
`run(values)`, which returns `Table`s: a caption, a `Result` (typed columns,
rows, per-row drill-down links) and a chart spec that the builder's SVG
charts draw. A parameter that cannot be read keeps a message for the person
and falls back to its default: nothing raises.

`ReportRollup`s are the summary tables a module keeps in step with its
writes so that reports stay fast at a million contacts; `flask reports
rebuild` recomputes each enabled module's from the source rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from app import refs
from app.reporting.results import Result

# Parameter kinds: "year" (a fiscal year, named by the calendar year it
# starts in), "date" (YYYY-MM-DD), "choice" (one of `choices()`'s keys, or
# empty for "all").
PARAM_KINDS = ("year", "date", "choice")
CHART_KINDS = ("bar", "line", "stacked")


@dataclass(frozen=True)
class Param:
    key: str
    label: str
    kind: str = "choice"
    # choice: () -> [(key, label)]; the empty key means "all" and is always allowed.
    choices: Callable[[], list[tuple[str, str]]] | str | None = None
    # () -> the value used when the URL does not give one (a year, a date, a key).
    default: Callable[[], object] | str | None = None
    hint: str = ""

    def __post_init__(self):
        assert self.kind in PARAM_KINDS, self.kind
        refs.lazy_fields(self, "choices", "default")


@dataclass(frozen=True)
class ChartSpec:
    """How the builder's chart code (modules/reports/charts.py) draws a
    table: `kind` bar, line or stacked bar; `x` the column along the axis;
    `series` the numeric columns drawn (stacked: one stack per x)."""

    kind: str
    x: str
    series: tuple[str, ...]

    def __post_init__(self):
        assert self.kind in CHART_KINDS, self.kind


@dataclass
class Table:
    caption: str
    result: Result
    chart: ChartSpec | None = None
    # A last row summing the table ("Total", ...), shown in <tfoot>.
    footer: tuple | None = None
    # Links shown with the table: [(label, url)], e.g. every record behind it.
    links: list[tuple[str, str]] = field(default_factory=list)
    # The column whose cell links to the row's records (`result.drill`): a
    # count of donors links from the count; None: the first column.
    drill_column: str | None = None


@dataclass(frozen=True)
class StandardReport:
    """A ready-made report. `key` is unique across modules
    ("giving.lybunt"); `permission` is what a user needs besides
    `reports.view` (giving reports: `giving.view`); `run(values)` returns a
    list of `Table`s, `values` holding each declared parameter's value."""

    key: str
    title: str
    description: str
    permission: str
    run: Callable[[dict], list[Table]] | str
    family: str = "Other"  # the heading it is listed under: "Giving", "Pipeline", "Contacts"
    params: tuple[Param, ...] = ()
    order: int = 100

    def __post_init__(self):
        refs.lazy_fields(self, "run")


@dataclass(frozen=True)
class ReportRollup:
    """A summary table kept by the services that write its source rows.
    `rebuild()` recomputes it and returns how many rows it holds;
    `in_step()` says whether it equals a full recomputation."""

    name: str
    title: str
    rebuild: Callable[[], int] | str
    in_step: Callable[[], bool] | str

    def __post_init__(self):
        refs.lazy_fields(self, "rebuild", "in_step")


@dataclass
class Contributed:
    report: StandardReport
    module: str  # the module that contributes it, hence needs to be enabled


def available(app=None) -> list[Contributed]:
    """Every enabled module's standard reports, in family and order."""
    from flask import current_app

    state = (app or current_app).extensions["steward"]
    found = [Contributed(report, module.name) for module in state.enabled
             for report in refs.resolve(getattr(module, "standard_reports", []))]
    return sorted(found, key=lambda c: (c.report.family, c.report.order, c.report.title))


def find(key: str, app=None) -> Contributed | None:
    return next((c for c in available(app) if c.report.key == key), None)


def rollups(app=None) -> list[tuple[str, ReportRollup]]:
    from flask import current_app

    state = (app or current_app).extensions["steward"]
    return [(module.name, rollup) for module in state.enabled
            for rollup in refs.resolve(getattr(module, "report_rollups", []))]


# Reading parameters ---------------------------------------------------------------------

@dataclass
class Values:
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # {key: message}
    given: dict = field(default_factory=dict)  # the cleaned text, for the form and links


def read_params(report: StandardReport, source) -> Values:
    """The report's parameter values from a query string (`source.get`)."""
    out = Values()
    for param in report.params:
        text = (source.get(param.key) or "").strip()[:40]
        default = refs.resolve(param.default)() if param.default is not None else None
        value, error = default, None
        if text:
            value, error = _read(param, text)
            if error:
                value = default
            else:
                out.given[param.key] = text
        if error:
            out.errors[param.key] = error
        out.values[param.key] = value
    return out


def _read(param: Param, text: str) -> tuple[object, str | None]:
    if param.kind == "year":
        if text.isdigit() and 1900 <= int(text) <= 2200:
            return int(text), None
        return None, "Choose a year between 1900 and 2200."
    if param.kind == "date":
        try:
            return date.fromisoformat(text), None
        except ValueError:
            return None, "Write the date as YYYY-MM-DD."
    keys = {key for key, _ in choices(param)}
    if text in keys:
        return text, None
    return None, f"Choose one of the listed {param.label.lower()} values."


def choices(param: Param) -> list[tuple[str, str]]:
    return list(refs.resolve(param.choices)()) if param.choices is not None else []
