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
