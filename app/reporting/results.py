"""What every report hands to its page, its chart and its exports: named,
typed columns and plain rows. The builder (builder queries) and the standard
reports both produce a `Result`, so tables, SVG charts, drill-down links and
CSV/XLSX/PDF exports are written once."""

from __future__ import annotations

from dataclasses import dataclass, field

# Column types, as report sources declare them.
TYPES = ("text", "number", "money", "date", "choice", "boolean", "percent")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str = "text"  # one of TYPES


@dataclass
class Result:
    columns: list[Column]
    rows: list[tuple]
    # Per row (same order as rows), an optional URL of the records behind it.
    drill: list[str | None] = field(default_factory=list)
    # Said above the table: "Stopped after 5 s", "First 1,000 rows".
    notes: list[str] = field(default_factory=list)
    # More rows matched than were read (the row limit cut them off).
    truncated: bool = False

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)
