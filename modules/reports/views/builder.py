"""/reports/new: the builder. A GET form whose state is the URL; HTMX
redraws the page in place as choices change, and the buttons do the same
without JavaScript."""

from __future__ import annotations

from flask import make_response, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.htmx import is_htmx, page_or_fragment
from app.ids import parse_id
from app.permissions import permission_required
from modules.reports import saved
from modules.reports.evaluate import evaluate
from modules.reports.models import SavedReport
from modules.reports.views import bp
from modules.reports.views.context import builder_context


@bp.get("/new")
@permission_required("reports.build")
def new():
    ev = evaluate(request.args)
    report_id = parse_id(request.args.get("report"))
    report = db.session.get(SavedReport, report_id) if report_id else None
    if report is not None and not saved.may_manage(report, current_user):
        report = None
    if ev.from_form and ev.spec is not None and not ev.problems and not is_htmx():
        return redirect(url_for("reports.new", **ev.spec.args(report=report.id if report else None)))
    context = builder_context(ev, report=report)
    response = make_response(page_or_fragment("reports/builder.html", "reports/_page.html", **context),
                             ev.status)
    response.headers["Vary"] = "HX-Request"
    if is_htmx() and ev.spec is not None:
        response.headers["HX-Push-Url"] = url_for("reports.new", **ev.spec.args(
            report=report.id if report else None))
    return response
