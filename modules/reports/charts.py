"""Server-rendered SVG charts of any `Result` (bar, line, stacked bar), with
their numbers as a table: the picture is for the eye, the table for screen
readers, keyboards and print. Generalised from the dashboard's giving chart
(modules/pipeline/templates/pipeline/widget_giving.html); drawn by the macro
in templates/reports/_chart.html.

The result's leading text columns are its dimensions: the first gives the
categories along the x axis; a second (two groupings) gives the series and
the first number column their values; otherwise each number column is a
series. No pie charts: lengths along a common axis read better, and the
table says the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from app.reporting.results import Result

KINDS = ("bar", "line", "stacked")
NUMERIC = ("number", "money", "percent")
# Okabe–Ito: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#332288", "#000000")
WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 14, 78
MAX_CATEGORIES = 60
MAX_SERIES = 8


@dataclass
class Mark:
    x: float
    y: float
    w: float = 0
    h: float = 0
    colour: str = ""
    title: str = ""


@dataclass
class Chart:
    kind: str
    title: str
    categories: list[str]
    series: list[str]
    values: dict  # (category index, series index) -> Decimal | None
    value_type: str
    category_label: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Mark] = field(default_factory=list)
    lines: list[tuple[str, str, list[Mark]]] = field(default_factory=list)  # (colour, points, marks)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    baseline: float = 0
    notes: list[str] = field(default_factory=list)

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(PALETTE[i % len(PALETTE)], name) for i, name in enumerate(self.series)]

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    def cell(self, ci: int, si: int) -> str:
        return fmt(self.values.get((ci, si)), self.value_type)

    @property
    def description(self) -> str:
        parts = []
        for ci, cat in enumerate(self.categories):
            parts.append(f"{cat}: " + ", ".join(
                f"{s} {self.cell(ci, si)}" if len(self.series) > 1 else self.cell(ci, si)
                for si, s in enumerate(self.series)))
        return "; ".join(parts) + "."


def fmt(value, kind: str = "number") -> str:
    if value is None:
        return "—"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "percent":
        return f"{Decimal(value):,.1f}%"
    if kind == "percent-tick":
        text = f"{Decimal(value):,f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{int(value):,}"


def dimensions(result: Result) -> int:
    """How many leading columns are not numbers (at most 2)."""
    n = 0
    for column in result.columns:
        if column.type in NUMERIC:
            break
        n += 1
    return min(n, 2)


def _nice_step(span: float) -> float:
    raw = span / 5 or 1
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def build(result: Result, kind: str, title: str = "") -> Chart | None:
    """The chart of `result`, or None when it has nothing to draw (no
    dimension, or no number column)."""
    dims = dimensions(result)
    numeric = [i for i, c in enumerate(result.columns) if c.type in NUMERIC]
    if dims == 0 or not numeric or kind not in KINDS:
        return None
    categories: list[str] = []
    series: list[str] = []
    values: dict = {}
    notes: list[str] = []

    def index(items: list, value) -> int | None:
        text = "(none)" if value is None else str(value)
        if text not in items:
            items.append(text)
        return items.index(text)

    if dims == 1:
        series = [result.columns[c].label for c in numeric]
    for row in result.rows:
        ci = index(categories, row[0])
        if dims == 2:
            si = index(series, row[1])
            values[(ci, si)] = row[numeric[0]]
        else:
            for si, col in enumerate(numeric):
                values[(ci, si)] = row[col]
    if len(categories) > MAX_CATEGORIES:
        notes.append(f"The chart shows the first {MAX_CATEGORIES} of {len(categories)} groups; the table has all.")
        categories = categories[:MAX_CATEGORIES]
    if len(series) > MAX_SERIES:
        notes.append(f"The chart shows the first {MAX_SERIES} of {len(series)} series; the table has all.")
        series = series[:MAX_SERIES]
    value_type = result.columns[numeric[0]].type
    labels = [result.columns[c].label for c in numeric]
    measured = labels[0] if dims == 2 else " and ".join(filter(None, (", ".join(labels[:-1]), labels[-1])))
    title = title or f"{measured} by {' and '.join(c.label.lower() for c in result.columns[:dims])}"
    chart = Chart(kind, title, categories, series,
                  {k: v for k, v in values.items() if k[0] < len(categories) and k[1] < len(series)},
                  value_type, category_label=result.columns[0].label, notes=notes)
    _layout(chart)
    return chart


def _layout(chart: Chart) -> None:
    n_cat, n_ser = len(chart.categories), len(chart.series)
    numbers = lambda ci: [float(chart.values.get((ci, si)) or 0) for si in range(n_ser)]  # noqa: E731
    if chart.kind == "stacked":
        highs = [sum(v for v in numbers(ci) if v > 0) for ci in range(n_cat)]
        lows = [sum(v for v in numbers(ci) if v < 0) for ci in range(n_cat)]
    else:
        every = [v for ci in range(n_cat) for v in numbers(ci)]
        highs, lows = every or [0], every or [0]
    top, bottom = max(max(highs, default=0), 0), min(min(lows, default=0), 0)
    step = _nice_step((top - bottom) or 1)
    top = math.ceil(top / step) * step if top else 0
    bottom = math.floor(bottom / step) * step if bottom else 0
    if top == bottom:
        top = step
    plot_h = chart.height - TOP - BOTTOM
    plot_w = chart.width - LEFT - RIGHT

    def y(value: float) -> float:
        return round(TOP + (top - value) / (top - bottom) * plot_h, 1)

    chart.baseline = y(0)
    tick = bottom
    while tick <= top + step / 2:
        kind = {"money": "number", "percent": "percent-tick"}.get(chart.value_type, chart.value_type)
        chart.ticks.append((y(tick), fmt(Decimal(str(round(tick, 6))).normalize(), kind)))
        tick += step
    slot = plot_w / max(n_cat, 1)
    every_nth = max(1, math.ceil(n_cat / 16))
    for ci, cat in enumerate(chart.categories):
        if ci % every_nth == 0:
            chart.labels.append((round(LEFT + slot * (ci + 0.5), 1), cat if len(cat) <= 16 else cat[:15] + "…"))
    if chart.kind == "line":
        for si, name in enumerate(chart.series):
            marks = []
            for ci in range(n_cat):
                value = chart.values.get((ci, si))
                if value is None:
                    continue
                marks.append(Mark(round(LEFT + slot * (ci + 0.5), 1), y(float(value)),
                                  title=f"{chart.categories[ci]}, {name}: {fmt(value, chart.value_type)}"))
            points = " ".join(f"{m.x},{m.y}" for m in marks)
            chart.lines.append((PALETTE[si % len(PALETTE)], points, marks))
        return
    inner = slot * 0.8
    for ci in range(n_cat):
        x0 = LEFT + slot * ci + (slot - inner) / 2
        up, down = 0.0, 0.0
        for si, name in enumerate(chart.series):
            value = chart.values.get((ci, si))
            if value is None:
                continue
            v = float(value)
            colour = PALETTE[si % len(PALETTE)]
            title = f"{chart.categories[ci]}, {name}: {fmt(value, chart.value_type)}"
            if chart.kind == "stacked":
                start = up if v >= 0 else down
                end = start + v
                if v >= 0:
                    up = end
                else:
                    down = end
                y1, y2 = y(max(start, end)), y(min(start, end))
                chart.bars.append(Mark(round(x0, 1), y1, round(inner, 1), round(y2 - y1, 1), colour, title))
            else:
                w = inner / n_ser
                y1, y2 = y(max(v, 0)), y(min(v, 0))
                chart.bars.append(Mark(round(x0 + w * si, 1), y1, round(max(w - 1, 1), 1), round(y2 - y1, 1),
                                       colour, title))
