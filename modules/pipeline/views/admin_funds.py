"""Admin: funds (designations) and appeals (campaigns). Add, rename, code,
deactivate; delete only one that no gift, pledge or recurring gift uses."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from sqlalchemy import func, select

from app import audit, edits
from app.extensions import db
from app.htmx import confirm_page, redirect_after_post
from app.permissions import permission_required
from modules.pipeline import designations
from modules.pipeline.giving_forms import AppealForm, FundForm
from modules.pipeline.models import Appeal, Fund, Gift, Pledge, RecurringGift
from modules.pipeline.views import bp

ADMIN = "pipeline.admin"
KINDS = {"funds": (Fund, FundForm, "fund"), "appeals": (Appeal, AppealForm, "appeal")}


def _uses(model) -> dict[int, int]:
    """{id: gifts + pledges + recurring gifts using it}: one GROUP BY per table."""
    column = "fund_id" if model is Fund else "appeal_id"
    out: dict[int, int] = {}
    for table in (Gift, Pledge, RecurringGift):
        col = getattr(table, column)
        for key, n in db.session.execute(select(col, func.count()).where(col.is_not(None)).group_by(col)):
            out[key] = out.get(key, 0) + n
    return out


@bp.get("/admin/funds")
@permission_required(ADMIN)
def admin_funds():
    funds = db.session.scalars(select(Fund).order_by(Fund.position, func.lower(Fund.name))).all()
    appeals = db.session.scalars(select(Appeal).order_by(Appeal.active.desc(), func.lower(Appeal.name))).all()
    return render_template("pipeline/admin_funds.html", funds=funds, appeals=appeals,
                           fund_uses=_uses(Fund), appeal_uses=_uses(Appeal))


def _kind(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _edit(kind: str, item):
    model, form_class, noun = _kind(kind)

    def stored_form(formdata=None):
        """The form as the stored record fills it; `formdata=...`: as posted."""
        return form_class(obj=item) if formdata is ... else form_class(obj=item, formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        if item is not None:
            edits.stamp(form)
    elif form.validate_on_submit() and item is not None and not edits.settle(form, item, stored_form):
        status = 409
    elif not form.errors:
        # Checked after settle: the name may now be the one someone else saved.
        if designations.name_taken(model, form.name.data, item):
            form.name.errors.append(designations.taken_message(noun, form.name.data))
        else:
            adding = item is None
            item, changes = designations.save(model, form, item, noun)
            if adding:
                message = f"Added the {noun} “{item.name}”."
            else:
                message = edits.saved_message(f"Saved the {noun} “{item.name}”." if changes else "Nothing changed.",
                                              form)
            db.session.commit()
            flash(message, "success")
            return redirect_after_post(url_for("pipeline.admin_funds"))
    if form.errors:
        status = 422
    return render_template("pipeline/admin_funds_form.html", form=form, item=item, kind=kind, noun=noun,
                           example_amount=_example_amount()), status


def _example_amount() -> str:
    """250 in the organisation's currency, for the fund's "in a letter" example."""
    from decimal import Decimal

    from modules.pipeline.gifts import default_currency
    from modules.pipeline.money import format_money

    return format_money(Decimal("250"), default_currency())


@bp.route("/admin/funds/new", methods=["GET", "POST"], defaults={"kind": "funds"})
@bp.route("/admin/appeals/new", methods=["GET", "POST"], defaults={"kind": "appeals"})
@permission_required(ADMIN)
def admin_fund_new(kind: str):
    return _edit(kind, None)


@bp.route("/admin/funds/<int:item_id>/edit", methods=["GET", "POST"], defaults={"kind": "funds"})
@bp.route("/admin/appeals/<int:item_id>/edit", methods=["GET", "POST"], defaults={"kind": "appeals"})
@permission_required(ADMIN)
def admin_fund_edit(kind: str, item_id: int):
    model = _kind(kind)[0]
    return _edit(kind, db.get_or_404(model, item_id))


@bp.route("/admin/funds/<int:item_id>/delete", methods=["GET", "POST"], defaults={"kind": "funds"})
@bp.route("/admin/appeals/<int:item_id>/delete", methods=["GET", "POST"], defaults={"kind": "appeals"})
@permission_required(ADMIN)
def admin_fund_delete(kind: str, item_id: int):
    model, _, noun = _kind(kind)
    item = db.get_or_404(model, item_id)
    used = _uses(model).get(item.id, 0)
    back = url_for("pipeline.admin_funds")
    if used:
        flash(f"The {noun} “{item.name}” is used by {used} gift(s), pledge(s) or recurring gift(s), so it "
              "cannot be deleted. Deactivate it instead: it then stays on those records but is not offered "
              "for new ones.", "warning")
        return redirect_after_post(back)
    if request.method == "POST":
        name = item.name
        audit.record(audit.DELETE, item, summary=f"Deleted the {noun} “{name}”")
        db.session.delete(item)
        db.session.commit()
        flash(f"Deleted the {noun} “{name}”.", "success")
        return redirect_after_post(back)
    return confirm_page(f"Delete the {noun} “{item.name}”?",
                        f"No gift uses the {noun} “{item.name}”. Delete it?", f"Delete {noun}", back)
