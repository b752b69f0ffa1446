"""Pledges: the list, a pledge's page (installments with what each has
received, payments, outstanding), new pledge, cancel."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.ids import as_id
from app.permissions import permission_required
from modules.pipeline import gifts, pledges
from modules.pipeline.giving_forms import PledgeForm, picker, today, valid_with_donor
from modules.pipeline.models import Gift, Pledge
from modules.pipeline.money import format_money
from modules.pipeline.views import bp
from modules.pipeline.views.gifts import giving_context
from modules.pipeline.views.loading import newest_first_page, with_donor_or_404

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
