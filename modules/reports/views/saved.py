"""Saved reports: save from the builder, open, change and share (an edit
form that never loses an edit: app/edits), duplicate, delete."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import edits
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.permissions import permission_required
from modules.reports import saved
from modules.reports.evaluate import evaluate
from modules.reports.models import SavedReport
from modules.reports.views import bp
from modules.reports.views.context import builder_context

SPEC_KEYS = ("source", "col", "g", "m", "w", "f", "match", "via", "sort", "limit", "chart")


def spec_args(spec: dict) -> MultiDict:
    """A stored spec as request-like arguments."""
    return MultiDict([(k, str(v)) for k, values in (spec or {}).items()
                      for v in (values if isinstance(values, list) else [values])])


def _report_or_404(report_id: int, manage: bool = False) -> SavedReport:
    report = db.session.get(SavedReport, report_id)
    if report is None or not saved.may_see(report, current_user):
        abort(404)
    if manage and not saved.may_manage(report, current_user):
        abort(403)
    return report


def _posted_spec(values) -> MultiDict:
    return MultiDict([(k, v) for k, v in values.items(multi=True) if k in SPEC_KEYS])


@bp.route("/save", methods=["GET", "POST"])
@permission_required("reports.build")
def save():
    values = request.form if request.method == "POST" else request.args
    ev = evaluate(_posted_spec(values), run=False)
    if ev.spec is None or ev.problems:
        context = builder_context(ev)
        context["problems_heading"] = "This report cannot be saved yet"
        return render_template("reports/builder.html", **context), ev.status if ev.problems else 422
    form = saved.ReportForm()
    if form.validate_on_submit():
        report = saved.create(form.name.data, form.description.data, form.roles.data, ev.spec.source.name,
                              ev.spec.args(), current_user)
        db.session.commit()
        flash(f"Saved the report “{report.name}”.", "success")
        return redirect_after_post(url_for("reports.show", report_id=report.id))
    status = 422 if request.method == "POST" else 200
    return render_template("reports/save.html", form=form, ev=ev, args=ev.spec.args(), report=None,
                           action=url_for("reports.save")), status


@bp.get("/<int:report_id>")
@permission_required("reports.view")
def show(report_id: int):
    report = _report_or_404(report_id)
    ev = evaluate(spec_args(report.spec))
    context = builder_context(ev, report=report)
    context.update(may_manage=saved.may_manage(report, current_user),
                   export_urls={fmt: url_for("reports.saved_export", report_id=report.id, fmt=fmt)
                                for fmt in ("csv", "xlsx", "pdf")} if ev.result is not None else {})
    response = make_response(render_template("reports/report.html", **context), ev.status)
    return response


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@permission_required("reports.build")
def edit(report_id: int):
    report = _report_or_404(report_id, manage=True)
    values = request.form if request.method == "POST" else request.args
    replace = values.get("replace") == "1"
    ev = evaluate(_posted_spec(values) if replace else spec_args(report.spec), run=False)
    if replace and (ev.spec is None or ev.problems):
        return render_template("reports/builder.html", **builder_context(ev, report=report)), ev.status

    def stored_form(formdata=None):
        kwargs = {} if formdata is ... else {"formdata": formdata}
        return saved.ReportForm(**kwargs, obj=saved.StoredReport(report))

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, report, stored_form):
        status = 409
    elif not form.errors:
        spec = (ev.spec.source.name, ev.spec.args()) if replace else None
        saved.update(report, form, spec, current_user)
        db.session.commit()
        flash(edits.saved_message(f"Saved the report “{report.name}”.", form), "success")
        return redirect_after_post(url_for("reports.show", report_id=report.id))
    status = 422 if form.errors else status
    return render_template("reports/save.html", form=form, ev=ev, args=ev.spec.args() if replace else None,
                           report=report, replace=replace,
                           action=url_for("reports.edit", report_id=report.id)), status


@bp.post("/<int:report_id>/duplicate")
@permission_required("reports.build")
def duplicate(report_id: int):
    report = _report_or_404(report_id)
    copy = saved.duplicate(report, current_user)
    db.session.commit()
    flash(f"Made a private copy: “{copy.name}”. Rename it or share it here.", "success")
    return redirect_after_post(url_for("reports.edit", report_id=copy.id))


@bp.route("/<int:report_id>/delete", methods=["GET", "POST"])
@permission_required("reports.build")
def delete(report_id: int):
    report = _report_or_404(report_id, manage=True)
    if request.method == "POST":
        name = report.name
        saved.delete(report, current_user)
        db.session.commit()
        flash(f"Deleted the report “{name}”.", "success")
        return redirect_after_post(url_for("reports.index"))
    return confirm_page(f"Delete “{report.name}”?",
                        f"Delete the report “{report.name}”? Everyone it is shared with loses it too. "
                        "The records it reports on are not touched.",
                        "Delete report", url_for("reports.show", report_id=report.id))
