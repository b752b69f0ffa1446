"""Dashboard widgets and the report builder to bench (issue 13: widgets
answer with server p95 ≤ 100 ms at 1,000,000 contacts and 5,000,000 gifts),
found in the running app:

- every widget the enabled modules contribute to the dashboard
  (app/registry.py `Widget`), each by its own URL, the card alone as HTMX
  fetches it (/dashboard/widgets/<name>, app/dashboard.py);
- when `reports` is enabled, a saved report "Giving by fund and month" (all
  gifts, total by fund by month, as a stacked-bar chart) that this module adds
  for the bench's administrator and puts on their reports dashboard: the
  dashboard page, the widget as its lazy load fetches it, and the same report
  opened in the builder from its URL (not cached: the query itself).

Returns {"widgets": [{"key", "title", "path"}], "reports": {...} | None}.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select

REPORT_NAME = "Giving by fund and month (bench)"
# The builder's URL state: source, two groupings, one aggregate, the chart.
BUILDER_SPEC = {"source": "gifts", "g": ["fund", "received:month"], "m": ["sum:amount"], "chart": "stacked"}


def _widgets(app) -> list[dict]:
    return [{"key": w.name, "title": w.title, "path": f"/dashboard/widgets/{w.name}"}
            for w in app.extensions["steward"].widgets]


def _report_widget(app) -> dict | None:
    """The saved report on the administrator's reports dashboard (made once
    per database), or None without the reports module, giving or the admin."""
    from app.extensions import db
    from app.models import User
    from bench.database import ADMIN_EMAIL

    enabled = {m.name for m in app.extensions["steward"].enabled}
    if "reports" not in enabled:
        return None
    builder = "/reports/new?" + urlencode(BUILDER_SPEC, doseq=True)
    out = {"builder": builder if "pipeline" in enabled else None, "dashboard": "/reports/dashboard"}
    user = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if user is None or "pipeline" not in enabled:
        return {**out, "widget": None}
    from modules.reports import saved, widgets
    from modules.reports.models import DashboardWidget, SavedReport

    report = db.session.scalar(select(SavedReport).where(SavedReport.name == REPORT_NAME))
    if report is None:
        report = saved.create(REPORT_NAME, "Added by make bench", [], "gifts", BUILDER_SPEC, user)
    widget = db.session.scalar(select(DashboardWidget).where(DashboardWidget.report_id == report.id,
                                                             DashboardWidget.user_id == user.id))
    if widget is None:
        widget = widgets.add(report.id, "chart", user_id=user.id)
    db.session.commit()
    return {**out, "widget": f"/reports/dashboard/widgets/{widget.id}"}


def discover(app) -> dict:
    return {"widgets": _widgets(app), "reports": _report_widget(app)}
