"""The standard reports to bench (issue 13: each answers with server p95
≤ 1 s at 1,000,000 contacts and 5,000,000 gifts), found in the running app
when the `reports` module is enabled: every standard report the enabled
modules contribute (app/reporting/standard.py), opened with its default
parameters (this fiscal year, the last twelve months), as a user opens it.

Returns [{"key", "title", "path"}], or None when reports is not enabled.
"""

from __future__ import annotations


def discover(app) -> list[dict] | None:
    from app.reporting import standard

    if "reports" not in {m.name for m in app.extensions["steward"].enabled}:
        return None
    return [{"key": c.report.key, "title": c.report.title, "path": f"/reports/standard/{c.report.key}"}
            for c in standard.available(app)]
