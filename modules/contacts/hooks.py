"""The contacts module's extension points.

Another module (that `requires` contacts) adds to the contact page, the
timeline, the filter builder, merges and privacy requests by declaring
`extends={"contacts": ContactHooks(...)}` in its manifest. Contacts uses the
same hooks for its own parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from app.refs import lazy_fields, resolve


@dataclass(frozen=True)
class Panel:
    """A card on the contact page; `render(contact)` returns HTML.

    A `lazy` panel is not rendered with the page: the page shows its heading
    and a link to `contacts.panel` (the panel on a page of its own, which also
    serves it as a fragment), and HTMX swaps the fragment in once the page has
    loaded. Make a panel lazy when it costs more than the rest of the page
    (aggregates over gifts, tickets...), so the page itself stays fast.
    """

    name: str
    title: str
    permission: str
    render: Callable
    order: int = 100
    lazy: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "note", "call", "gift", "ticket", ...
    title: str
    body: str = ""
    url: str | None = None
    by: str = ""
    # Set for entries the contacts module owns, so the page can offer edit/delete.
    activity_id: int | None = None


@dataclass(frozen=True)
class FilterSpec:
    """One criterion of the filter builder.

    `apply(op, value)` returns a SQL condition on `Contact` (usually
    `Contact.id.in_(subquery)`); `ops` maps operator keys to labels; `input`
    says what the value is ("text", "date", "number", "choice", "none",
    "date_range", "number_range"); `choices()` lists `(value, label)` pairs.
    """

    key: str
    label: str
    ops: dict[str, str]
    apply: Callable
    input: str = "text"
    choices: Callable | None = None
    permission: str = "contacts.view"
    group: str = "Contacts"


@dataclass
class ContactHooks:
    """Each field takes a lazy `"package.module:attr"` reference (app/refs.py)
    or the object itself. `panels` and `filters` point at lists or at
    functions returning lists."""

    panels: list[Panel] | Callable = field(default_factory=list)
    # timeline(contact_id, before, limit) -> list[TimelineEntry], newest first
    timeline: Callable | None = None
    filters: list[FilterSpec] | Callable = field(default_factory=list)
    # merge(survivor_id, merged_id): move this module's records to the survivor
    merge: Callable | None = None
    # export(contact_id) -> dict of what this module holds about the contact
    export: Callable | None = None
    # erase(contact_id): remove personal data, keep what must stay (amounts)
    erase: Callable | None = None
    # consent_topics(keys) -> {key: label}: names the consent-ledger topics
    # this module writes ("marketing:3" -> "Newsletter"), for the contact page.
    consent_topics: Callable | None = None
    # A short name for the export file's sections; defaults to the module name.
    section: str = ""

    def __post_init__(self):
        lazy_fields(self, "panels", "timeline", "filters", "merge", "export", "erase", "consent_topics")


def all_hooks() -> list[tuple[str, ContactHooks]]:
    """`(module name, hooks)` for every enabled module that extends contacts."""
    state = current_app.extensions["steward"]
    return [(m.name, m.extends["contacts"]) for m in state.enabled if "contacts" in m.extends]


def _items(value) -> list:
    value = resolve(value)
    return value() if callable(value) else value


def filter_specs() -> dict[str, FilterSpec]:
    return {spec.key: spec for _, hooks in all_hooks() for spec in _items(hooks.filters)}


def panels() -> list[Panel]:
    return sorted((p for _, hooks in all_hooks() for p in _items(hooks.panels)), key=lambda p: p.order)


def panel(name: str) -> Panel | None:
    """The panel called `name`, whichever module gives it."""
    return next((p for p in panels() if p.name == name), None)


def consent_topic_labels(keys) -> dict[str, str]:
    """`{key: label}` for consent-ledger topic keys, from the modules that
    write them; a key no enabled module names keeps its own text."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return {}
    labels: dict[str, str] = {}
    for _, hooks in all_hooks():
        if hooks.consent_topics is not None:
            labels.update(hooks.consent_topics(keys))
    return {key: labels.get(key, key) for key in keys}


def timeline_providers() -> list:
    return [hooks.timeline for _, hooks in all_hooks() if hooks.timeline is not None]
