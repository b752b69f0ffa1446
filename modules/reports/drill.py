"""Drill-down: from a number in a grouped report to the records behind it.

A row's group values become filters (a date bucket becomes "between its
first and last day", an empty group "is empty"). For a source that leads
to contacts, the link opens the contacts list with the report's contact
rules plus one more rule, `report:has:<the report's own filters>` (the
criterion below, added to the contacts filter builder): the list shows
exactly the contacts behind the number, and can be saved as a segment,
so a campaign can be sent to them. Other sources open the builder as a
plain list of the rows.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from flask import has_request_context, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.permissions import can
from app.reporting.sources import all_sources, permitted
from modules.contacts.hooks import FilterSpec
from modules.reports import buckets
from modules.reports.spec import Spec, parse

KEY = "report"


def _group_token(group, value) -> str:
    f = group.field
    if group.bucket:
        if value is None:
            return f"{f.key}:not_set:"
        return f"{f.key}:between:{value.isoformat()}..{buckets.end_of(value, group.bucket).isoformat()}"
    if value is None or value == "":
        return f"{f.key}:not_set:"
    if f.type == "boolean":
        return f"{f.key}:{'yes' if value else 'no'}:"
    if f.type == "date":
        return f"{f.key}:on:{value.isoformat()}"
    return f"{f.key}:is:{value}"


def row_wheres(spec: Spec, raw: tuple) -> list[str]:
    return [w.token for w in spec.wheres] + [_group_token(g, v) for g, v in zip(spec.groups, raw, strict=True)]


def urls(spec: Spec, raw_groups: list[tuple]) -> list[str | None]:
    """The drill-down URL of each grouped row."""
    if not spec.groups:
        return []
    to_contacts = bool(spec.source.contacts) and can("contacts.view")
    if not to_contacts and not can("reports.build"):
        return [None] * len(raw_groups)  # the record list is the builder's, which they may not open
    found = []
    for raw in raw_groups:
        wheres = row_wheres(spec, raw)
        if to_contacts:
            inner = {"source": spec.source.name, "w": wheres}
            if spec.via and spec.via != spec.source.contacts[0].key:
                inner["via"] = spec.via
            if spec.match == "all":
                rules = [*spec.contact_tokens, f"{KEY}:has:{urlencode(inner, doseq=True, safe=':')}"]
            else:
                # "any of" the report's contact rules, and the drill's rows: the list
                # joins its rules one way only, so they travel inside the drill rule.
                inner.update({"f": spec.contact_tokens, "match": spec.match})
                rules = [f"{KEY}:has:{urlencode(inner, doseq=True, safe=':')}"]
            found.append(url_for("contacts.index", f=rules))
        else:
            args = {"source": spec.source.name, "w": wheres}
            found.append(url_for("reports.new", **args))
    return found


# The contacts filter criterion --------------------------------------------------

def _condition(op: str, value: str):
    from modules.contacts.models import Contact

    args = MultiDict([(k, v) for k, values in parse_qs(value or "", keep_blank_values=True).items()
                      for v in values])
    name = args.get("source", "")
    source = all_sources().get(name)
    if source is None or not source.contacts:
        raise ValueError(f"There is no report source called “{name[:40]}” that leads to contacts.")
    checking = has_request_context() and getattr(current_user, "is_authenticated", False)
    if checking:
        if not can(source.permission):
            raise ValueError(f"Your role does not allow reports on {source.label}.")
        source = permitted(source)
    from modules.contacts import hooks
    from modules.reports.query import contact_condition, from_clause, where_condition

    specs = None
    if args.getlist("f"):
        specs = {k: s for k, s in hooks.filter_specs().items() if not checking or can(s.permission)}
    spec, _ = parse(args, source, specs)
    inner_contacts = contact_condition(spec, specs)
    if spec.problems:
        raise ValueError(spec.problems[0])
    join = source.contact_join(spec.via)
    conditions = source.conditions() + [where_condition(w) for w in spec.wheres if not w.pending]
    if inner_contacts is not None:
        conditions.append(inner_contacts)
    fields = [w.field for w in spec.wheres]
    rows = select(join.column).select_from(from_clause(source, fields)).where(*conditions)
    return Contact.id.in_(rows)


def filters() -> list[FilterSpec]:
    return [FilterSpec(KEY, "Has records in a report", {"has": "has records matching"}, _condition,
                       input="text", permission="reports.view", group="Reports")]
