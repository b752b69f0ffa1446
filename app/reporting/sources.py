"""Report sources: what a module lets the report builder report on.

A module declares its sources in its manifest, `report_sources=` (a list of
`Source`, or a function returning one, as a lazy "package.module:attr"
reference), read only while the module is enabled. The reports module
builds every query from these declarations with SQLAlchemy Core: a user
picks fields by key, and only a declared field's column expression reaches
SQL; values are bound parameters, never text.

    Source(
        name="gifts", label="Gifts", permission="giving.view",
        table=Gift.__table__.outerjoin(Fund.__table__, Fund.id == Gift.fund_id),
        key=Gift.id,
        contacts=[ContactJoin("donor", "Donor", Gift.contact_id)],
        fields=[
            Field("received", "Received on", "date", Gift.received_on, groupable=True),
            Field("amount", "Amount", "money", Gift.amount, summable=True),
            Field("fund", "Fund", "choice", Fund.name, groupable=True, choices=fund_names),
        ],
    )

- `table` is the FROM clause, joins included (outer joins for optional
  parts, so a gift without a fund still counts).
- `contacts` are the ways a row leads to a contact (its donor, the person
  soft-credited): the builder applies the contacts filter builder's criteria
  through them, and a drill-down opens the contacts list. The first is the
  default. A source without contacts is reported on by itself.
- `joins` are made only for the fields that name them (`Field.joins`): a
  contact's tags repeat the contact once per tag, so only a report on tags
  pays for that (count distinct contacts there).
- `where` is always applied (live contacts only, say).
- A field's `permission`, when set, is needed on top of the source's.
- `rollups` are tables of totals the module keeps in step with the rows
  (`Rollup`, below): the builder reads one instead of the rows when a
  report asks only what it holds, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from flask import current_app, g

from app import refs
from app.permissions import can

FIELD_TYPES = ("text", "number", "money", "date", "choice", "boolean")


@dataclass(frozen=True, eq=False)
class Field:
    key: str
    label: str
    type: str  # one of FIELD_TYPES ("date" also for date-times: they bucket by day and up)
    column: object  # a SQLAlchemy column expression over the source's table
    groupable: bool = False
    summable: bool = False  # sum and average (numbers and money)
    filterable: bool = True
    # choice fields: () -> [(value, label)]; the value is what `column` holds
    choices: Callable | None = None
    permission: str | None = None
    description: str = ""
    # Names of the source's `joins` this field's column needs (added to the
    # FROM clause only when a report uses the field).
    joins: tuple[str, ...] = ()

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"report field {self.key!r}: type {self.type!r} is not one of {FIELD_TYPES}")

    @property
    def orderable(self) -> bool:
        """min and max make sense (numbers, money, dates)."""
        return self.type in ("number", "money", "date")


@dataclass(frozen=True, eq=False)
class Join:
    """A LEFT OUTER JOIN a field may need: `target` (a table or alias) ON
    `on`. Joins that can repeat a row (a contact's tags) belong here rather
    than in `table`, so they are made only when a field asks for them."""

    name: str
    target: object
    on: object


@dataclass(frozen=True, eq=False)
class ContactJoin:
    """One way a source's row leads to a contact: `column` holds the contact's id."""

    key: str
    label: str
    column: object


@dataclass(frozen=True, eq=False)
class Rollup:
    """Totals of a source's rows that a module keeps in step with them (see
    docs/modules.md, "Answering from a rollup"). The builder reads `table`
    instead of the rows when every grouping, filter and summary of a report
    is declared here, and no contact filter applies; otherwise it reads the
    rows. What is declared must give the very result the rows give:

    - `fields`: source field key -> a column expression over `table` holding
      the same value for every row it totals (a date field's day: the
      builder buckets it by week, month, fiscal year... as it buckets the
      field). Only these can be grouped and filtered on.
    - `count`: the column holding how many rows each rollup row totals.
    - `sums`: summable field key -> the column holding that field's sum
      (the field is never empty). Count and sum are all a rollup answers:
      no average, minimum, maximum or distinct count.
    - `excludes`: the rollup totals every row of the source's table; when
      the source's `where` leaves some out (trashed donors' gifts), a
      function returning conditions over the source's table that select
      exactly those. The builder takes them out again as it reads (cheap
      while they are few: make it use an index).
    """

    name: str
    table: object  # the FROM clause: the rollup table, outer joins for names
    fields: dict[str, object]
    count: object
    sums: dict[str, object] = field(default_factory=dict)
    excludes: Callable | None = None

    def answers(self, group_keys, measures, filter_keys) -> bool:
        """Whether the fields grouped and filtered on are mapped and every
        measure ((agg, field key or None)) is a count or a declared sum."""
        if not set(group_keys) | set(filter_keys) <= self.fields.keys():
            return False
        return all(agg == "count" or (agg == "sum" and key in self.sums) for agg, key in measures)


@dataclass(frozen=True, eq=False)
class Source:
    name: str
    label: str
    permission: str
    table: object  # the FROM clause
    key: object  # the row's identity (distinct counts, record lists)
    fields: list[Field]
    contacts: list[ContactJoin] = field(default_factory=list)
    joins: list[Join] = field(default_factory=list)
    where: Callable | None = None  # () -> list of conditions always applied
    description: str = ""
    rollups: list[Rollup] = field(default_factory=list)  # tried in order
    module: str = ""  # filled in from the manifest that declares it

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def contact_join(self, key: str | None) -> ContactJoin | None:
        if not self.contacts:
            return None
        if not key:
            return self.contacts[0]
        return next((c for c in self.contacts if c.key == key), None)

    def conditions(self) -> list:
        return list(self.where()) if self.where else []


def _declared(manifest) -> list[Source]:
    value = refs.resolve(manifest.report_sources)
    items = value() if callable(value) else value
    return [s if s.module else replace(s, module=manifest.name) for s in items or ()]


def all_sources() -> dict[str, Source]:
    """Every enabled module's sources, by name (kept for the request: custom
    fields are read from the database when the contacts source is built)."""
    cached = g.get("_report_sources")
    if cached is not None:
        return cached
    found: dict[str, Source] = {}
    for manifest in current_app.extensions["steward"].enabled:
        for source in _declared(manifest):
            found.setdefault(source.name, source)
    g._report_sources = found
    return found


def permitted(source: Source) -> Source:
    """The source with only the fields the signed-in user may see."""
    fields = [f for f in source.fields if not f.permission or can(f.permission)]
    if len(fields) == len(source.fields):
        return source
    return replace(source, fields=fields)


def visible_sources() -> dict[str, Source]:
    """The sources the signed-in user may report on, fields filtered."""
    return {name: permitted(s) for name, s in all_sources().items() if can(s.permission)}


def fiscal_year_start_month() -> int:
    """The organisation's fiscal year's first month (1 = calendar years), a
    regional fact (app/regional.py) stored by whichever module owns it."""
    from app import regional

    try:
        month = int(regional.stored().get("fiscal_year_start_month") or 1)
    except (TypeError, ValueError):
        return 1
    return month if 1 <= month <= 12 else 1
