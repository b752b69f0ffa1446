"""/reports/dashboard: your dashboard of report widgets (and your role's,
which reports.admin composes at /reports/dashboard/roles/<id>). Every change
is a plain form (PRG); HTMX loads each widget lazily, and each has a plain
link to its own page without JavaScript."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.htmx import is_htmx, redirect_after_post
from app.ids import parse_id
from app.models import Role
from app.permissions import can, permission_required
from modules.reports import saved, widgets
from modules.reports.models import DashboardWidget, SavedReport
from modules.reports.views import bp


def _choices():
    return db.session.scalars(saved.visible(current_user)).all()


def _widget_or_404(widget_id: int) -> DashboardWidget:
    widget = db.session.get(DashboardWidget, widget_id)
    if widget is None:
        abort(404)
    mine = widget.user_id == current_user.id
    my_role = widget.role_id is not None and widget.role_id == current_user.role_id
    if not (mine or my_role or can("reports.admin")):
        abort(404)
    return widget


def _managed_or_403(widget: DashboardWidget) -> None:
    if widget.user_id != current_user.id and not (widget.role_id and can("reports.admin")):
        abort(403)


def _back(widget: DashboardWidget) -> str:
    if widget.role_id:
        return url_for("reports.role_dashboard", role_id=widget.role_id)
    return url_for("reports.dashboard")


@bp.get("/dashboard")
@permission_required("reports.view")
def dashboard():
    role_widgets = widgets.owned_by(role_id=current_user.role_id)
    return render_template("reports/dashboard.html", own=widgets.owned_by(user_id=current_user.id),
                           role_widgets=role_widgets, role=None, reports=_choices(),
                           roles=db.session.scalars(select(Role).order_by(Role.name)).all()
                           if can("reports.admin") else [])


@bp.get("/dashboard/roles/<int:role_id>")
@permission_required("reports.admin")
def role_dashboard(role_id: int):
    role = db.get_or_404(Role, role_id)
    return render_template("reports/dashboard.html", own=widgets.owned_by(role_id=role.id), role_widgets=[],
                           role=role, reports=_choices(), roles=[])


@bp.post("/dashboard/widgets")
@permission_required("reports.view")
def widget_add():
    report = db.session.get(SavedReport, parse_id(request.form.get("report_id")) or 0)
    if report is None or not saved.may_see(report, current_user):
        abort(404)
    role_id = parse_id(request.form.get("role_id"))
    if role_id:
        if not can("reports.admin"):
            abort(403)
        db.get_or_404(Role, role_id)
        widget = widgets.add(report.id, request.form.get("show", "chart"), role_id=role_id)
    else:
        widget = widgets.add(report.id, request.form.get("show", "chart"), user_id=current_user.id)
    db.session.commit()
    flash(f"Added “{report.name}” to the dashboard.", "success")
    return redirect_after_post(_back(widget), "dashboard-changed")


@bp.post("/dashboard/widgets/<int:widget_id>/move")
@permission_required("reports.view")
def widget_move(widget_id: int):
    widget = _widget_or_404(widget_id)
    _managed_or_403(widget)
    widgets.move(widget, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect_after_post(_back(widget), "dashboard-changed")


@bp.post("/dashboard/widgets/<int:widget_id>/remove")
@permission_required("reports.view")
def widget_remove(widget_id: int):
    widget = _widget_or_404(widget_id)
    _managed_or_403(widget)
    back = _back(widget)
    db.session.delete(widget)
    db.session.commit()
    flash("Removed the widget.", "success")
    return redirect_after_post(back, "dashboard-changed")


@bp.get("/dashboard/widgets/<int:widget_id>")
@permission_required("reports.view")
def widget_show(widget_id: int):
    """The widget's content: the fragment for HTMX's lazy load, a page otherwise."""
    widget = _widget_or_404(widget_id)
    if not saved.may_see(widget.report, current_user):
        abort(404)
    body = widgets.render(widget, current_user.role_id)
    if is_htmx():
        return body, 200, {"Vary": "HX-Request"}
    return render_template("reports/widget.html", widget=widget, body=body), 200, {"Vary": "HX-Request"}
