"""Percentiles of server-side timings."""

from __future__ import annotations

import math


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank percentile (the value at or below which p% of the
    samples fall), as wrk's HdrHistogram reports it; None without samples."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values_ms: list[float]) -> dict:
    """p50/p95/p99 and the count, in milliseconds rounded to 0.01 ms."""
    out = {"n": len(values_ms)}
    for p in (50, 95, 99):
        value = percentile(values_ms, p)
        out[f"p{p}"] = None if value is None else round(value, 2)
    return out
