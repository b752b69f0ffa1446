"""Report schedules: list (yours, or all for reports.admin, with status and
last error), create for a saved report, change, send again now, delete."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app import audit, edits, schedules
from app.dates import when
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.models.base import utcnow
from app.permissions import can, permission_required
from modules.reports.delivery import forms
from modules.reports.delivery.due import FREQUENCIES, next_due
from modules.reports.delivery.run import NAME
from modules.reports.models import ReportSchedule
from modules.reports.views import bp
from modules.reports.views.saved import _report_or_404


def _visible():
    stmt = select(ReportSchedule).order_by(ReportSchedule.next_run_at, ReportSchedule.id)
    return stmt if can("reports.admin") else stmt.where(ReportSchedule.owner_id == current_user.id)


def _schedule_or_404(schedule_id: int) -> ReportSchedule:
    schedule = db.session.get(ReportSchedule, schedule_id)
    if schedule is None or (schedule.owner_id != current_user.id and not can("reports.admin")):
        abort(404)
    return schedule


@bp.get("/schedules")
@permission_required("reports.schedule")
def schedules_list():
    return render_template("reports/schedules.html", schedules=db.session.scalars(_visible()).all(),
                           frequencies=FREQUENCIES, weekdays=forms.WEEKDAYS)


@bp.route("/<int:report_id>/schedule", methods=["GET", "POST"])
@permission_required("reports.schedule")
def schedule_new(report_id: int):
    report = _report_or_404(report_id)
    form = forms.ScheduleForm()
    if form.is_submitted() is False:
        form.recipients.data = current_user.email
    if form.validate_on_submit():
        schedule = ReportSchedule(report=report, owner_id=current_user.id, **_values(form))
        db.session.add(schedule)
        db.session.flush()
        audit.record(audit.CREATE, schedule, user=current_user,
                     summary=f"Scheduled the report “{report.name}” ({FREQUENCIES[schedule.frequency].lower()})")
        schedules.wake(NAME, schedule.next_run_at)
        db.session.commit()
        flash(Markup("Scheduled “{}”: first sent {}.").format(report.name, when(schedule.next_run_at)), "success")
        return redirect_after_post(url_for("reports.schedules_list"))
    status = 422 if form.is_submitted() else 200
    return render_template("reports/schedule_form.html", form=form, report=report, schedule=None), status


def _values(form: forms.ScheduleForm) -> dict:
    """The schedule's columns from its checked form, with its next run from now."""
    return {"frequency": form.frequency.data, "weekday": form.weekday.data, "day": form.day.data,
            "format": form.format.data, "recipients": "\n".join(forms.addresses(form.recipients.data)),
            "next_run_at": next_due(form.frequency.data, utcnow(), weekday=form.weekday.data, day=form.day.data)}


@bp.route("/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@permission_required("reports.schedule")
def schedule_edit(schedule_id: int):
    """Change how often, the format or the recipients; someone else's change
    meanwhile is kept or shown as a conflict (app/edits)."""
    schedule = _schedule_or_404(schedule_id)

    def stored_form(formdata=None):
        return forms.ScheduleForm(obj=schedule) if formdata is ... else \
            forms.ScheduleForm(obj=schedule, formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate_on_submit() and not edits.settle(form, schedule, stored_form):
        status = 409
    elif not form.errors:
        values = _values(form)
        changes = audit.diff(schedule, {k: v for k, v in values.items() if k != "next_run_at"})
        if changes:
            schedule.next_run_at = values["next_run_at"]
            schedule.failures, schedule.last_error = 0, None
            audit.record(audit.UPDATE, schedule, user=current_user, changes=changes,
                         summary=f"Changed the schedule of the report “{schedule.report.name}”")
            schedules.wake(NAME, schedule.next_run_at)
        db.session.commit()
        flash(edits.saved_message(Markup("Saved: next sent {}.").format(when(schedule.next_run_at))
                                  if changes else "Nothing changed.", form), "success")
        return redirect_after_post(url_for("reports.schedules_list"))
    if form.errors:
        status = 422 if status == 200 else status
    return render_template("reports/schedule_form.html", form=form, report=schedule.report,
                           schedule=schedule), status


@bp.post("/schedules/<int:schedule_id>/now")
@permission_required("reports.schedule")
def schedule_now(schedule_id: int):
    """Send at the next look of the workers (also the way to retry a failing one at once)."""
    schedule = _schedule_or_404(schedule_id)
    schedule.next_run_at = utcnow()
    schedules.wake(NAME, schedule.next_run_at)
    db.session.commit()
    flash(f"“{schedule.report.name}” will be sent in a moment.", "success")
    return redirect_after_post(url_for("reports.schedules_list"))


@bp.route("/schedules/<int:schedule_id>/delete", methods=["GET", "POST"])
@permission_required("reports.schedule")
def schedule_delete(schedule_id: int):
    schedule = _schedule_or_404(schedule_id)
    if request.method == "GET":
        return confirm_page(f"Delete the schedule of “{schedule.report.name}”?",
                            f"Stop emailing “{schedule.report.name}” to {', '.join(schedule.addresses)}? "
                            "The saved report stays.", "Delete the schedule", url_for("reports.schedules_list"))
    audit.record(audit.DELETE, schedule, user=current_user,
                 summary=f"Stopped emailing the report “{schedule.report.name}”")
    db.session.delete(schedule)
    db.session.commit()
    flash("The schedule is deleted.", "success")
    return redirect_after_post(url_for("reports.schedules_list"))
