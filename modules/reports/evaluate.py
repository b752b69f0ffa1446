"""From a query string to what a page or an export shows: the source, the
spec, the result with its drill-down links, the chart, and any problem in
words. The builder, saved reports and exports all go through `evaluate`."""

from __future__ import annotations

from dataclasses import dataclass, field

from app import audit
from app.extensions import db
from app.permissions import can
from app.reporting.results import Result
from app.reporting.sources import Source, all_sources, visible_sources
from modules.contacts import hooks
from modules.reports import charts, drill, query
from modules.reports.budget import OverBudget
from modules.reports.spec import SourceProblem, Spec, parse, source_named


@dataclass
class Evaluation:
    sources: dict[str, Source]
    source: Source | None = None
    spec: Spec | None = None
    result: Result | None = None
    chart: charts.Chart | None = None
    problems: list[str] = field(default_factory=list)
    stopped: str = ""  # the time budget ran out
    status: int = 200
    from_form: bool = False
    contact_specs: dict | None = None


def contact_specs() -> dict | None:
    """The contacts filter criteria this user may use, or None without contacts.view."""
    if not can("contacts.view"):
        return None
    return {key: spec for key, spec in hooks.filter_specs().items() if can(spec.permission)}


def evaluate(args, *, run: bool = True, limit: int | None = None) -> Evaluation:
    ev = Evaluation(sources=visible_sources())
    name = args.get("source", "")
    if not name:
        return ev
    try:
        ev.source = source_named(name, ev.sources, all_sources())
    except SourceProblem as problem:
        ev.problems, ev.status = [str(problem)], problem.status
        if problem.status == 403:
            audit.record(audit.DENIED, object_type="report_source", object_id=name[:60],
                         summary=f"A report on {all_sources()[name].label} needs {all_sources()[name].permission}")
            db.session.commit()
        return ev
    ev.contact_specs = contact_specs() if ev.source.contacts else None
    ev.spec, ev.from_form = parse(args, ev.source, ev.contact_specs)
    query.contact_condition(ev.spec, ev.contact_specs)  # reads the contact rules: their problems now
    if ev.spec.problems:
        ev.problems, ev.status = ev.spec.problems, 422
        return ev
    if not run:
        return ev
    try:
        ev.result, raw = query.run(ev.spec, ev.contact_specs, limit=limit)
    except OverBudget as stopped:
        ev.stopped = str(stopped)
        return ev
    ev.result.drill = drill.urls(ev.spec, raw)
    if ev.spec.chart != "table":
        ev.chart = charts.build(ev.result, ev.spec.chart)
    return ev
