"""An opportunity: new (for a contact), its page with the stage history,
edit, delete, and the two steps a move can need: the reason when it is lost,
and recording the gift or pledge when it is won."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from app import edits
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.ids import as_id, parse_id
from app.models import User
from app.permissions import can, permission_required
from modules.contacts.lists import search
from modules.contacts.models import Contact
from modules.pipeline import gifts as giving
from modules.pipeline import opportunities as service
from modules.pipeline.models import LOST, WON, Appeal, Fund, Gift, Opportunity, Pledge, Stage
from modules.pipeline.money import format_amount, format_money
from modules.pipeline.pipeline_forms import (
    LoseForm,
    MoveForm,
    OpportunityForm,
    WinGiftForm,
    WinPledgeForm,
)
from modules.pipeline.views import bp, editing


def maybe_url(endpoint: str, **values) -> str | None:
    """A link to a page another engineer's area provides, or None while it
    does not exist (or its module is off)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def contact_url(contact_id: int) -> str:
    return f"{url_for('contacts.index')}{contact_id}"


def owner_choices() -> list[tuple[int, str]]:
    users = db.session.execute(select(User.id, User.name).where(User.active.is_(True)).order_by(User.name))
    return [(0, "No owner")] + [(uid, name) for uid, name in users]


def stage_choices(pipeline_id: int | None = None) -> dict[str, list[tuple[int, str]]]:
    """Stages grouped by pipeline (an <optgroup> each)."""
    grouped = service.stages_by_pipeline()
    return {p.name: [(s.id, s.name) for s in grouped.get(p.id, [])]
            for p in service.pipelines() if pipeline_id in (None, p.id)}


def _live_contact(contact_id) -> Contact | None:
    contact_id = parse_id(contact_id)
    if contact_id is None:
        return None
    contact = db.session.get(Contact, contact_id)
    return contact if contact is not None and contact.deleted_at is None else None


def _contact_matches(query: str) -> list[Contact]:
    ids = search.matching_ids(query)
    if ids is None:
        return []
    return list(db.session.scalars(select(Contact).where(Contact.id.in_(ids), Contact.deleted_at.is_(None))
                                   .order_by(Contact.sort_name, Contact.id).limit(20)))


# --- New and edit ----------------------------------------------------------------

@bp.route("/opportunities/new", methods=["GET", "POST"])
@permission_required("pipeline.edit")
def opportunity_new():
    contact = _live_contact(request.values.get("contact"))
    if contact is None:
        query = request.args.get("q", "").strip()
        return render_template("pipeline/opportunity_pick.html", query=query, current_nav="pipeline.board",
                               matches=_contact_matches(query) if query else [], contact_url=contact_url,
                               pipeline=request.args.get("pipeline", ""))
    form = OpportunityForm(contact=contact.id, currency=giving.default_currency(), owner=current_user.id)
    form.stage.choices = stage_choices()
    form.owner.choices = owner_choices()
    if request.method == "GET":
        pipeline_id = request.args.get("pipeline", type=as_id)
        first = next((stages[0][0] for name, stages in form.stage.choices.items() if stages), None)
        if pipeline_id:
            stages = service.stages_by_pipeline().get(pipeline_id) or []
            first = stages[0].id if stages else first
        form.stage.data = first
    if form.validate_on_submit():
        stage = db.session.get(Stage, form.stage.data)
        if stage.outcome == LOST:
            form.stage.errors.append("Start it in an open or won stage; move it to a lost stage afterwards "
                                     "to record why.")
        else:
            opp = service.create(stage=stage, contact_id=contact.id, name=form.name.data,
                                 amount=form.amount.amount, currency=form.currency.data,
                                 expected_close=form.expected_close.data, owner_id=form.owner.data or None,
                                 next_step=(form.next_step.data or "").strip(), notes=(form.notes.data or "").strip(),
                                 user=current_user)
            db.session.commit()
            flash(f"The opportunity {opp.name} is created in {stage.name}.", "success")
            return redirect_after_post(url_for("pipeline.opportunity", opportunity_id=opp.id))
    return render_template("pipeline/opportunity_form.html", form=form, contact=contact, opp=None,
                           contact_url=contact_url, current_nav="pipeline.board"), 422 if form.errors else 200


def _edit_form(opp: Opportunity, formdata=None) -> OpportunityForm:
    """The edit form for `opp`: as stored (formdata=None) or as posted."""
    form = OpportunityForm(formdata=formdata, obj=opp, owner=opp.owner_id or 0, amount=format_amount(opp.amount))
    del form.stage, form.contact  # the stage moves on the board; the contact stays
    form.owner.choices = owner_choices()
    return form


@bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@permission_required("pipeline.edit")
def opportunity_edit(opportunity_id: int):
    opp = service.load(opportunity_id)
    if opp is None:
        return editing.gone("This opportunity", url_for("pipeline.board"))
    if request.method == "GET":
        form = _edit_form(opp, None)
        edits.stamp(form)
    else:
        form = _edit_form(opp, request.form)
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            settled = editing.settle(form, opp, lambda: _edit_form(opp, None))
        except editing.Gone:
            return editing.gone("This opportunity", url_for("pipeline.board"))
        if settled:
            changes = service.update(opp, {
                "name": form.name.data.strip(), "amount": form.amount.data, "currency": form.currency.data,
                "expected_close": form.expected_close.data, "owner_id": form.owner.data or None,
                "next_step": (form.next_step.data or "").strip(), "notes": (form.notes.data or "").strip()},
                user=current_user)
            db.session.commit()
            flash(edits.saved_message(f"The opportunity {opp.name} is saved." if changes else "Nothing changed.",
                                      form), "success")
            return redirect_after_post(url_for("pipeline.opportunity", opportunity_id=opp.id))
        status = 409
    return render_template("pipeline/opportunity_form.html", form=form, contact=opp.contact, opp=opp,
                           contact_url=contact_url, current_nav="pipeline.board"), status


# --- The page ----------------------------------------------------------------------

@bp.route("/opportunities/<int:opportunity_id>")
@permission_required("pipeline.view")
def opportunity(opportunity_id: int):
    opp = service.load(opportunity_id) or abort(404)
    move = MoveForm(stage=opp.stage_id, back="opportunity")
    move.stage.choices = [(s.id, s.name) for s in opp.pipeline.stages]
    gifts, pledges = [], []
    if can("giving.view"):
        gifts = list(db.session.scalars(select(Gift).where(Gift.opportunity_id == opp.id)
                                        .order_by(Gift.received_on.desc(), Gift.id.desc()).limit(20)))
        pledges = list(db.session.scalars(select(Pledge).where(Pledge.opportunity_id == opp.id)
                                          .order_by(Pledge.pledged_on.desc(), Pledge.id.desc()).limit(20)))
    return render_template("pipeline/opportunity.html", opp=opp, history=service.history(opp), move=move,
                           gifts=gifts, pledges=pledges, format_money=format_money, contact_url=contact_url,
                           maybe_url=maybe_url, won=WON, lost=LOST, current_nav="pipeline.board",
                           offer_gift=opp.stage.outcome == WON and opp.pipeline.records_gifts
                           and can("giving.edit"))


@bp.route("/opportunities/<int:opportunity_id>/delete", methods=["GET", "POST"])
@permission_required("pipeline.delete")
def opportunity_delete(opportunity_id: int):
    opp = service.load(opportunity_id) or abort(404)
    if request.method == "GET":
        return confirm_page(f"Delete {opp.name}?",
                            f"Delete the opportunity {opp.name} ({format_money(opp.amount, opp.currency)}) and "
                            "its stage history? Gifts and pledges recorded from it stay. This cannot be undone.",
                            "Delete the opportunity", url_for("pipeline.opportunity", opportunity_id=opp.id))
    pipeline_id, name = opp.pipeline_id, opp.name
    service.delete(opp, user=current_user)
    db.session.commit()
    flash(f"The opportunity {name} is deleted.", "success")
    return redirect_after_post(url_for("pipeline.board", pipeline_id=pipeline_id))


# --- Losing: the reason is required ----------------------------------------------------

@bp.route("/opportunities/<int:opportunity_id>/lose", methods=["GET", "POST"])
@permission_required("pipeline.edit")
def opportunity_lose(opportunity_id: int):
    opp = service.load(opportunity_id) or abort(404)
    lost_stages = [s for s in opp.pipeline.stages if s.outcome == LOST]
    if not lost_stages:
        flash(f"The pipeline {opp.pipeline.name} has no lost stage; an administrator can add one.", "error")
        return redirect_after_post(url_for("pipeline.opportunity", opportunity_id=opp.id))
    form = LoseForm(stage=request.args.get("stage", type=as_id) or lost_stages[0].id,
                    back=request.args.get("back", "opportunity"))
    form.lost_reason.choices = [(0, "Choose a reason…")] + [(r.id, r.name) for r in service.active_lost_reasons()]
    stage = next((s for s in lost_stages if str(s.id) == str(form.stage.data)), lost_stages[0])
    if form.validate_on_submit():
        service.move(opp, stage, user=current_user, lost_reason_id=form.lost_reason.data,
                     lost_note=form.lost_note.data or "")
        db.session.commit()
        flash(f"{opp.name} is marked lost ({opp.lost_reason.name}).", "success")
        back = url_for("pipeline.board", pipeline_id=opp.pipeline_id) if form.back.data == "board" \
            else url_for("pipeline.opportunity", opportunity_id=opp.id)
        return redirect_after_post(back)
    cancel = url_for("pipeline.board", pipeline_id=opp.pipeline_id) if form.back.data == "board" \
        else url_for("pipeline.opportunity", opportunity_id=opp.id)
    return render_template("pipeline/opportunity_lose.html", opp=opp, form=form, stage=stage, cancel=cancel,
                           format_money=format_money, current_nav="pipeline.board"), 422 if form.errors else 200


# --- Winning: record the gift or pledge in one step ------------------------------------

def _giving_choices(form) -> None:
    funds = db.session.scalars(select(Fund).where(Fund.active.is_(True)).order_by(Fund.position, Fund.name))
    appeals = db.session.scalars(select(Appeal).where(Appeal.active.is_(True)).order_by(Appeal.name))
    form.fund.choices = [(0, "No fund")] + [(f.id, f.name) for f in funds]
    form.appeal.choices = [(0, "No appeal")] + [(a.id, a.name) for a in appeals]


def _won_forms(opp: Opportunity, gift_form=None, pledge_form=None):
    today = service.today()
    amount = format_amount(opp.amount) if opp.amount else ""
    gift_form = gift_form or WinGiftForm(formdata=None, amount=amount, received_on=today)
    pledge_form = pledge_form or WinPledgeForm(formdata=None, amount=amount, pledged_on=today, first_due=today)
    for form in (gift_form, pledge_form):
        _giving_choices(form)
    return gift_form, pledge_form


def _won_page(opp, gift_form=None, pledge_form=None, status=200):
    gift_form, pledge_form = _won_forms(opp, gift_form, pledge_form)
    return render_template("pipeline/opportunity_won.html", opp=opp, gift_form=gift_form, pledge_form=pledge_form,
                           format_money=format_money, current_nav="pipeline.board",
                           can_record=can("giving.edit")), status


def _won_or_404(opportunity_id: int) -> Opportunity:
    opp = service.load(opportunity_id) or abort(404)
    if opp.stage.outcome != WON:
        abort(404)
    return opp


@bp.route("/opportunities/<int:opportunity_id>/won")
@permission_required("pipeline.edit")
def opportunity_won(opportunity_id: int):
    return _won_page(_won_or_404(opportunity_id))


@bp.route("/opportunities/<int:opportunity_id>/won/gift", methods=["POST"])
@permission_required("giving.edit")
def opportunity_won_gift(opportunity_id: int):
    opp = _won_or_404(opportunity_id)
    form = WinGiftForm()
    _giving_choices(form)
    if form.validate_on_submit():
        try:
            gift = giving.record_gift(contact_id=opp.contact_id, amount=form.amount.amount,
                                      received_on=form.received_on.data, currency=opp.currency,
                                      fund_id=form.fund.data or None, appeal_id=form.appeal.data or None,
                                      payment_method=form.payment_method.data or "", opportunity_id=opp.id,
                                      user=current_user)
        except giving.GiftError as error:
            getattr(form, error.field or "amount", form.amount).errors.append(str(error))
        else:
            db.session.commit()
            flash(f"The gift of {format_money(gift.amount, gift.currency)} from {opp.contact.display_name} "
                  "is recorded.", "success")
            return redirect_after_post(maybe_url("pipeline.gift", gift_id=gift.id)
                                       or url_for("pipeline.opportunity", opportunity_id=opp.id))
    return _won_page(opp, gift_form=form, status=422)


@bp.route("/opportunities/<int:opportunity_id>/won/pledge", methods=["POST"])
@permission_required("giving.edit")
def opportunity_won_pledge(opportunity_id: int):
    opp = _won_or_404(opportunity_id)
    form = WinPledgeForm()
    _giving_choices(form)
    if form.validate_on_submit():
        try:
            schedule = giving.installment_schedule(form.amount.amount, form.installments.data,
                                                   form.first_due.data, form.frequency.data)
            pledge = giving.record_pledge(contact_id=opp.contact_id, amount=form.amount.amount,
                                          pledged_on=form.pledged_on.data, schedule=schedule,
                                          currency=opp.currency, fund_id=form.fund.data or None,
                                          appeal_id=form.appeal.data or None, opportunity_id=opp.id,
                                          user=current_user)
        except giving.GiftError as error:
            getattr(form, error.field or "amount", form.amount).errors.append(str(error))
        else:
            db.session.commit()
            flash(f"The pledge of {format_money(pledge.amount, pledge.currency)} in "
                  f"{len(schedule)} installment{'s' if len(schedule) != 1 else ''} is recorded.", "success")
            return redirect_after_post(maybe_url("pipeline.pledge", pledge_id=pledge.id)
                                       or url_for("pipeline.opportunity", opportunity_id=opp.id))
    return _won_page(opp, pledge_form=form, status=422)
