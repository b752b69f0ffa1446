"""Dashboard widgets: which a user sees, adding, removing and reordering,
and each widget's rendered content, cached.

A widget runs its saved report with at most WIDGET_ROWS rows and keeps the
rendered HTML in Redis for CACHE_SECONDS, keyed by the report, a hash of
its definition, the viewer's role (what a role may see decides what the
report shows) and the way it is shown. A change to the report changes the
key, so the cache never shows an old definition; data changes show within
CACHE_SECONDS."""

from __future__ import annotations

import hashlib
import json

from flask import current_app, render_template
from markupsafe import Markup
from redis import RedisError
from sqlalchemy import func, select

from app.extensions import db
from modules.reports.models import DashboardWidget

WIDGET_ROWS = 10
CACHE_SECONDS = 300


def owned_by(*, user_id: int | None = None, role_id: int | None = None):
    column = DashboardWidget.user_id if user_id is not None else DashboardWidget.role_id
    return db.session.scalars(select(DashboardWidget).where(column == (user_id if user_id is not None else role_id))
                              .order_by(DashboardWidget.position, DashboardWidget.id)).all()


def add(report_id: int, show: str, *, user_id: int | None = None, role_id: int | None = None) -> DashboardWidget:
    column = DashboardWidget.user_id if user_id is not None else DashboardWidget.role_id
    last = db.session.scalar(select(func.max(DashboardWidget.position))
                             .where(column == (user_id if user_id is not None else role_id)))
    widget = DashboardWidget(report_id=report_id, show=show if show in ("chart", "rows") else "chart",
                             user_id=user_id, role_id=role_id, position=(last or 0) + 1)
    db.session.add(widget)
    return widget


def move(widget: DashboardWidget, step: int) -> None:
    """Swap with the neighbour above (step -1) or below (+1)."""
    siblings = owned_by(user_id=widget.user_id) if widget.user_id else owned_by(role_id=widget.role_id)
    i = siblings.index(widget)
    j = i + step
    if 0 <= j < len(siblings):
        siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, w in enumerate(siblings, start=1):
        w.position = position


def cache_key(widget: DashboardWidget, role_id: int) -> str:
    spec = json.dumps(widget.report.spec, sort_keys=True)
    digest = hashlib.sha256(f"{widget.report.source}|{spec}|{widget.report.name}".encode()).hexdigest()[:16]
    return f"steward:reports:widget:{widget.report_id}:{digest}:{role_id}:{widget.show}"


def render(widget: DashboardWidget, role_id: int) -> Markup:
    """The widget's body (chart or top rows: HTML our template escaped),
    from the cache when it is fresh."""
    redis = current_app.extensions["steward"].redis
    key = cache_key(widget, role_id)
    try:
        cached = redis.get(key)
    except RedisError:
        cached = None
    if cached is not None:
        return Markup(cached.decode() if isinstance(cached, bytes) else cached)  # noqa: S704 (our template)
    from modules.reports import exports
    from modules.reports.evaluate import evaluate
    from modules.reports.views.saved import spec_args

    ev = evaluate(spec_args(widget.report.spec), limit=WIDGET_ROWS)
    html = render_template("reports/_widget_body.html", widget=widget, ev=ev, text=exports.text)
    if ev.result is not None:
        try:
            redis.set(key, html, ex=CACHE_SECONDS)
        except RedisError:
            pass
    return Markup(html)  # noqa: S704 (rendered by our autoescaped template)
