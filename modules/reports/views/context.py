"""What the builder's template needs to draw the form and the result."""

from __future__ import annotations

from flask import url_for

from app.permissions import can
from modules.reports import spec as specs
from modules.reports.evaluate import Evaluation
from modules.reports.exports import text
from modules.reports.spec import Spec, Where

EMPTY_GROUP_ROWS = 2
MEASURE_ROWS = 3


def _contact_filter_context(spec: Spec, contact_specs: dict) -> dict:
    """The contacts filter builder's rows, as contacts/_filter_rows.html draws them."""
    from modules.contacts.lists import queries

    lq = queries.parse_tokens("", spec.contact_tokens, spec.match, "name", contact_specs)
    queries.conditions(lq, contact_specs)  # marks rules that cannot be read
    groups: dict[str, list] = {}
    for s in sorted(contact_specs.values(), key=lambda s: (s.group != "Contacts", s.group)):
        groups.setdefault(s.group, []).append((s.key, s.label))
    choices = {}
    for rule in lq.rules:
        s = contact_specs.get(rule.key)
        if s is not None and s.choices and rule.key not in choices:
            choices[rule.key] = s.choices()
    return {"lq": lq, "specs": contact_specs, "groups": groups, "choices": choices,
            "rows": list(enumerate(lq.rules)), "empty_index": len(lq.rules)}


def _sort_options(spec: Spec) -> list[tuple[str, str]]:
    if spec.grouped:
        labelled = [(g.key, g.label) for g in spec.groups] + [(m.key, m.label) for m in spec.measures]
    else:
        labelled = [(f.key, f.label) for f in (spec.columns or spec.source.fields[:6])]
    options = []
    for key, label in labelled:
        options += [(key, f"{label}, ascending"), (f"-{key}", f"{label}, descending")]
    return options


def _where_choices(wheres: list[Where]) -> dict:
    return {w.key: w.field.choices() for w in wheres if w.field is not None and w.field.choices}


def builder_context(ev: Evaluation, report=None) -> dict:
    context = {"ev": ev, "spec": ev.spec, "source": ev.source, "report": report,
               "sources": sorted(ev.sources.values(), key=lambda s: s.label),
               "aggregates": specs.AGGREGATES, "buckets": specs.BUCKETS, "charts": specs.CHARTS,
               "ops": specs.OPS, "valueless": specs.VALUELESS, "text": text,
               "max_limit": specs.MAX_LIMIT, "default_limit": specs.DEFAULT_LIMIT}
    spec = ev.spec
    if spec is None:
        return context
    source = spec.source
    args = spec.args()
    groups = list(spec.groups) + [None] * (specs.MAX_GROUPS - len(spec.groups))
    measures = list(spec.measures) + [None] * max(0, MEASURE_ROWS - len(spec.measures))
    context.update({
        "args": args,
        "filterable": [f for f in source.fields if f.filterable],
        "groupable": [f for f in source.fields if f.groupable],
        "measurable": [f for f in source.fields if f.summable or f.orderable or f.groupable],
        "group_rows": groups,
        "measure_rows": measures,
        "where_choices": _where_choices(spec.wheres),
        "sort_options": _sort_options(spec),
        "run_url": url_for("reports.new", **args),
        "save_url": url_for("reports.save", **args) if not ev.problems else None,
        "replace_url": url_for("reports.edit", report_id=report.id, replace=1, **args)
        if report is not None and not ev.problems else None,
        "export_urls": {fmt: url_for("reports.export", fmt=fmt, **args) for fmt in ("csv", "xlsx", "pdf")}
        if ev.result is not None else {},
        "contact_filters": _contact_filter_context(spec, ev.contact_specs)
        if ev.contact_specs is not None and source.contacts else None,
        "may_contacts": can("contacts.view"),
    })
    return context
