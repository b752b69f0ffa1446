"""Recurring gifts: the list (with a "missed last installment" flag from one
GROUP BY), a recurring gift's page (expected against received, period by
period), new/edit, pause/resume/end."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from app import edits
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.ids import as_id
from app.permissions import permission_required
from modules.pipeline import recurring as service
from modules.pipeline.giving_forms import RecurringForm, picker, today, valid_with_donor
from modules.pipeline.models import FREQUENCIES, RecurringGift
from modules.pipeline.money import format_money
from modules.pipeline.views import bp, editing
from modules.pipeline.views.gifts import giving_context
from modules.pipeline.views.loading import newest_first_page, with_donor_or_404, with_donor_or_none

SHOWN_PERIODS = 36


@bp.get("/recurring/", endpoint="recurring_list")
@permission_required("giving.view")
def recurring_list():
    page, status = newest_first_page(RecurringGift, service.STATUSES, "active")
    last = service.last_received([r.id for r in page.items])
    now = today()
    missed = {r.id: service.missed_last(r, last.get(r.id), now) for r in page.items}
    return render_template("pipeline/recurring_list.html", page=page, last=last, missed=missed, status=status,
                           statuses=service.STATUSES, **giving_context("recurring"))


@bp.get("/recurring/<int:recurring_id>")
@permission_required("giving.view")
def recurring(recurring_id: int):
    rg = with_donor_or_404(RecurringGift, recurring_id)
    result = service.standing(rg, today())
    periods = list(reversed(result.periods))[:SHOWN_PERIODS]
    return render_template("pipeline/recurring_page.html", rg=rg, result=result, periods=periods,
                           more_periods=max(len(result.periods) - SHOWN_PERIODS, 0),
                           statuses=service.STATUSES, **giving_context("recurring"))


def _stored_form(rg: RecurringGift):
    def build() -> RecurringForm:
        form = RecurringForm(obj=rg, formdata=None)
        form.set_choices(rg.fund_id, rg.appeal_id)
        return form
    return build


def _form_page(rg: RecurringGift | None):
    posted = request.method == "POST"
    form = _stored_form(rg)() if rg is not None and not posted else RecurringForm()
    form.set_choices(rg.fund_id if rg else None, rg.appeal_id if rg else None)
    if rg is not None and not posted:
        edits.stamp(form)
    if rg is None and not posted:
        form.starts_on.data = today()
    donor = picker("contact_id", "Donor", request.form if posted else {},
                   initial=rg.contact_id if rg else request.args.get("contact", type=as_id))
    status = 200
    if posted and "find" not in request.form:
        status = 422
        if valid_with_donor(form, donor):
            user = current_user._get_current_object()
            if rg is None:
                rg = service.create(contact_id=donor.value, user=user, **form.values())
                message = "Added the recurring gift."
            else:
                posted_donor = form.contact_id
                try:
                    settled = editing.settle(form, rg, _stored_form(rg))
                except editing.Gone:
                    return editing.gone("This recurring gift", url_for("pipeline.recurring_list"))
                if form.contact_id is not posted_donor:  # theirs: show it
                    donor = picker("contact_id", "Donor", {}, initial=form.contact_id.data)
                if not settled:
                    status = 409
                else:
                    values = {**form.values(), "contact_id": form.contact_id.data}
                    changed = service.update(rg, values, user=user)
                    message = edits.saved_message("Saved the recurring gift." if changed else "Nothing changed.",
                                                  form)
            if status != 409:
                db.session.commit()
                flash(message, "success")
                return redirect_after_post(url_for("pipeline.recurring", recurring_id=rg.id))
    action = (url_for("pipeline.recurring_edit", recurring_id=rg.id) if rg is not None
              else url_for("pipeline.recurring_new"))
    return render_template("pipeline/recurring_form.html", form=form, rg=rg, donor=donor, action=action,
                           **giving_context("recurring")), status


@bp.route("/recurring/new", methods=["GET", "POST"])
@permission_required("giving.edit")
def recurring_new():
    return _form_page(None)


@bp.route("/recurring/<int:recurring_id>/edit", methods=["GET", "POST"])
@permission_required("giving.edit")
def recurring_edit(recurring_id: int):
    rg = with_donor_or_none(RecurringGift, recurring_id)
    if rg is None:
        return editing.gone("This recurring gift", url_for("pipeline.recurring_list"))
    return _form_page(rg)


ACTIONS = {"pause": ("paused", "Paused"), "resume": ("active", "Resumed"), "end": ("ended", "Ended")}
# The states each action starts from: a button on a page older than
# someone else's change (Pause after they ended it) does not undo it.
ACTION_FROM = {"pause": {"active"}, "resume": {"paused"}, "end": {"active", "paused"}}


@bp.route("/recurring/<int:recurring_id>/pause", methods=["GET", "POST"], defaults={"action": "pause"})
@bp.route("/recurring/<int:recurring_id>/resume", methods=["GET", "POST"], defaults={"action": "resume"})
@bp.route("/recurring/<int:recurring_id>/end", methods=["GET", "POST"], defaults={"action": "end"})
@permission_required("giving.edit")
def recurring_status(recurring_id: int, action: str):
    rg = with_donor_or_404(RecurringGift, recurring_id)
    status, verb = ACTIONS[action]
    back = url_for("pipeline.recurring", recurring_id=rg.id)
    what = f"{rg.contact.display_name}’s {format_money(rg.amount, rg.currency)} " \
           f"{FREQUENCIES.get(rg.frequency, rg.frequency).lower()} gift"
    if rg.status not in ACTION_FROM[action]:
        flash(f"Nothing changed: this recurring gift is {service.STATUSES.get(rg.status, rg.status).lower()} now, "
              "perhaps changed by someone else meanwhile.", "warning")
        return redirect_after_post(back)
    if request.method == "POST":
        service.set_status(rg, status, today(), user=current_user._get_current_object())
        db.session.commit()
        flash(f"{verb} {what}.", "success")
        return redirect_after_post(back)
    questions = {
        "pause": f"Pause {what}? Missed installments are not flagged while it is paused.",
        "resume": f"Resume {what}?",
        "end": f"End {what}? No more gifts will be expected after today; gifts received stay recorded.",
    }
    return confirm_page(f"{action.capitalize()} this recurring gift?", questions[action],
                        f"{action.capitalize()} recurring gift", back, safe=action != "end")

