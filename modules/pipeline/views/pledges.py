"""Pledges: the list, a pledge's page (installments with what each has
received, payments, outstanding), new pledge, edit (guarded by app/edits), cancel."""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import edits
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.ids import as_id
from app.permissions import permission_required
from modules.pipeline import gifts, pledges
from modules.pipeline.giving_forms import PledgeEditForm, PledgeForm, picker, today, valid_with_donor
from modules.pipeline.models import Gift, Pledge
from modules.pipeline.money import format_money
from modules.pipeline.views import bp, editing
from modules.pipeline.views.gifts import giving_context
from modules.pipeline.views.loading import newest_first_page, with_donor_or_404, with_donor_or_none

PLEDGE_STATUSES = {"open": "Open", "fulfilled": "Fulfilled", "cancelled": "Cancelled"}


@bp.get("/pledges/", endpoint="pledges")
@permission_required("giving.view")
def pledges_list():
    page, status = newest_first_page(Pledge, PLEDGE_STATUSES, "open")
    ids = [p.id for p in page.items]
    paid = dict(db.session.execute(select(Gift.pledge_id, func.sum(Gift.amount))
                                   .where(Gift.pledge_id.in_(ids)).group_by(Gift.pledge_id)).all()) if ids else {}
    return render_template("pipeline/pledges_list.html", page=page, paid=paid, status=status,
                           statuses=PLEDGE_STATUSES, **giving_context("pledges"))


@bp.get("/pledges/<int:pledge_id>")
@permission_required("giving.view")
def pledge(pledge_id: int):
    p = with_donor_or_404(Pledge, pledge_id)
    plan = pledges.allocation(p)
    payments = db.session.scalars(select(Gift).where(Gift.pledge_id == p.id)
                                  .order_by(Gift.received_on, Gift.id).limit(500)).all()
    return render_template("pipeline/pledge_page.html", pledge=p, plan=plan, payments=payments,
                           statuses=PLEDGE_STATUSES, **giving_context("pledges"))


@bp.route("/pledges/new", methods=["GET", "POST"])
@permission_required("giving.edit")
def pledge_new():
    posted = request.method == "POST"
    form = PledgeForm()
    form.set_choices()
    if not posted:
        form.pledged_on.data = form.first_due.data = today()
    donor = picker("contact_id", "Donor", request.form if posted else {},
                   initial=request.args.get("contact", type=as_id))
    status = 200
    if posted and "find" not in request.form:
        if valid_with_donor(form, donor):
            try:
                schedule = gifts.installment_schedule(form.amount.amount, form.installments.data,
                                                      form.first_due.data, form.frequency.data)
                p = gifts.record_pledge(contact_id=donor.value, amount=form.amount.amount,
                                        pledged_on=form.pledged_on.data, schedule=schedule,
                                        currency=form.currency.data or None, fund_id=form.fund_id.data,
                                        appeal_id=form.appeal_id.data, notes=form.notes.data or "",
                                        user=current_user._get_current_object())
            except gifts.GiftError as error:
                db.session.rollback()
                target = form[error.field] if error.field in form._fields else form.amount
                target.errors = [*target.errors, str(error)]
            else:
                db.session.commit()
                flash(f"Recorded the pledge of {format_money(p.amount, p.currency)}.", "success")
                return redirect_after_post(url_for("pipeline.pledge", pledge_id=p.id))
        status = 422
    return render_template("pipeline/pledge_form.html", form=form, donor=donor,
                           **giving_context("pledges")), status


def _stored_form(p: Pledge):
    """The edit form as its GET shows `p` now (for app/edits)."""
    def build() -> PledgeEditForm:
        form = PledgeEditForm(obj=SimpleNamespace(
            amount=p.amount, pledged_on=p.pledged_on, fund_id=p.fund_id, appeal_id=p.appeal_id, notes=p.notes,
            **pledges.schedule_values(p)), formdata=None)
        form.set_choices(p.fund_id, p.appeal_id)
        return form
    return build


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
@permission_required("giving.edit")
def pledge_edit(pledge_id: int):
    p = with_donor_or_none(Pledge, pledge_id)
    if p is None:
        return editing.gone("This pledge", url_for("pipeline.pledges"))
    page = url_for("pipeline.pledge", pledge_id=p.id)
    if p.status == "cancelled":
        flash("This pledge is cancelled; a cancelled pledge is not edited.", "warning")
        return redirect_after_post(page)
    if request.method == "GET":
        form = _stored_form(p)()
        edits.stamp(form)
    else:
        form = PledgeEditForm()
        form.set_choices(p.fund_id, p.appeal_id)
    status = 200
    if form.validate_on_submit():
        status = 409
        try:
            settled = editing.settle(form, p, _stored_form(p))
        except editing.Gone:
            return editing.gone("This pledge", url_for("pipeline.pledges"))
        if settled:
            values = {"amount": form.amount.data, "pledged_on": form.pledged_on.data, "fund_id": form.fund_id.data,
                      "appeal_id": form.appeal_id.data, "notes": form.notes.data or ""}
            schedule = {key: form[key].data for key in pledges.SCHEDULE}
            try:
                changes = pledges.update(p, values, schedule, user=current_user._get_current_object())
            except gifts.GiftError as error:
                db.session.rollback()
                target = form[error.field] if error.field in form._fields else form.amount
                target.errors = [*target.errors, str(error)]
                status = 422
            else:
                db.session.commit()
                flash(edits.saved_message("Saved the pledge." if changes else "Nothing changed.", form), "success")
                return redirect_after_post(page)
    elif request.method == "POST":
        status = 422
    return render_template("pipeline/pledge_edit.html", form=form, pledge=p, page=page,
                           **giving_context("pledges")), status


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["GET", "POST"])
@permission_required("giving.edit")
def pledge_cancel(pledge_id: int):
    p = with_donor_or_404(Pledge, pledge_id)
    if p.status == "cancelled":
        flash("This pledge is already cancelled.", "warning")
        return redirect_after_post(url_for("pipeline.pledge", pledge_id=p.id))
    if request.method == "POST":
        pledges.cancel(p, user=current_user._get_current_object())
        db.session.commit()
        flash("Cancelled the pledge. Payments already received are kept.", "success")
        return redirect_after_post(url_for("pipeline.pledge", pledge_id=p.id))
    plan = pledges.allocation(p)
    return confirm_page("Cancel this pledge?",
                        f"Cancel {p.contact.display_name}’s pledge of {format_money(p.amount, p.currency)}? "
                        f"The {format_money(plan.outstanding, p.currency)} outstanding will no longer be expected; "
                        "payments already received stay recorded.",
                        "Cancel pledge", url_for("pipeline.pledge", pledge_id=p.id))
