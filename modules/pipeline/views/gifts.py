"""Gifts: the list (filters, SQL totals, keyset pages), a gift's page, the
new/edit form (donor and tribute contacts picked by search, soft-credit rows)
and delete. Gifts are written through modules.pipeline.gifts."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, flash, make_response, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import edits
from app.extensions import db
from app.htmx import confirm_page, is_htmx, page_or_fragment, redirect_after_post
from app.ids import as_id, parse_id
from app.permissions import permission_required
from modules.pipeline import gift_queries, gifts
from modules.pipeline.giving_forms import (
    GiftForm,
    contact_names,
    credit_rows,
    credit_values,
    find_contacts,
    picker,
    set_link_choices,
    today,
)
from modules.pipeline.models import (
    FREQUENCIES,
    PAYMENT_METHODS,
    TRIBUTE_KINDS,
    Acknowledgement,
    Appeal,
    Fund,
    Gift,
    Pledge,
    RecurringGift,
    SoftCredit,
)
from modules.pipeline.money import format_money
from modules.pipeline.views import bp, editing


def giving_context(tab: str) -> dict:
    """What every giving page's sub-navigation needs."""
    return {"giving_tab": tab, "format_money": format_money,
            "has_receipts": "pipeline.receipts" in current_app.view_functions,
            "has_opportunity": "pipeline.opportunity" in current_app.view_functions,
            "has_imports": "pipeline.gift_imports" in current_app.view_functions,
            "payment_methods": PAYMENT_METHODS, "tribute_kinds": TRIBUTE_KINDS, "frequencies": FREQUENCIES,
            "credit_roles": SoftCredit.ROLES}


@bp.get("/gifts/", endpoint="gifts")
@permission_required("giving.view")
def gifts_list():
    f = gift_queries.parse(request.args)
    result = gift_queries.page(f, after=request.args.get("after"), before=request.args.get("before"))
    args = dict(f.args)
    contact_id = parse_id(f.args.get("contact"))
    context = {
        "donor_name": contact_names([contact_id]).get(contact_id) if contact_id else None,
        "f": f, "page": result, "totals": gift_queries.totals(f),
        "older_url": url_for("pipeline.gifts", **args, after=result.older) if result.older else None,
        "newer_url": url_for("pipeline.gifts", **args, before=result.newer) if result.newer else None,
        "funds": db.session.execute(select(Fund.id, Fund.name).order_by(Fund.position, Fund.name).limit(500)).all(),
        "appeals": db.session.execute(select(Appeal.id, Appeal.name).order_by(Appeal.name).limit(500)).all(),
        **giving_context("gifts"),
    }
    response = make_response(page_or_fragment("pipeline/gifts_list.html", "pipeline/gift_results.html", **context))
    response.headers["Vary"] = "HX-Request"
    if is_htmx():
        response.headers["HX-Push-Url"] = url_for("pipeline.gifts", **args)
    return response


def _gift_or_none(gift_id: int) -> Gift | None:
    return db.session.scalar(
        select(Gift).where(Gift.id == gift_id)
        .options(selectinload(Gift.soft_credits).joinedload(SoftCredit.contact)))


def _gift_or_404(gift_id: int) -> Gift:
    gift = _gift_or_none(gift_id)
    if gift is None:
        abort(404)
    return gift


@bp.get("/gifts/<int:gift_id>")
@permission_required("giving.view")
def gift(gift_id: int):
    g = _gift_or_404(gift_id)
    acks = db.session.scalars(select(Acknowledgement).where(Acknowledgement.gift_id == g.id)
                              .order_by(Acknowledgement.created_at.desc()).limit(50)).all()
    return render_template("pipeline/gift_page.html", gift=g, acks=acks, **giving_context("gifts"))


@bp.get("/gifts/contact-search")
@permission_required("giving.edit")
def giving_contact_search():
    """Radio buttons for the contacts matching what is typed in a picker
    (HTMX asks for them as you type; without JavaScript the Find button
    posts the whole form)."""
    name = request.args.get("field", "")
    if not name or len(name) > 40 or not name.replace("-", "").replace("_", "").isalnum():
        abort(404)
    q = (request.args.get(f"{name}_q") or "").strip()[:100]
    results = find_contacts(q) if q else []
    return render_template("pipeline/giving_picker_results.html", name=name, results=results, q=q)


# The form ----------------------------------------------------------------------

def _prefill(form: GiftForm) -> int | None:
    """A new gift's starting values from ?contact=, ?pledge= or ?recurring=; the donor's id."""
    form.received_on.data = today()
    donor_id = request.args.get("contact", type=as_id)
    pledge = db.session.get(Pledge, request.args.get("pledge", type=as_id) or 0)
    if pledge is not None and pledge.status != "cancelled":
        from modules.pipeline.pledges import allocation

        donor_id = pledge.contact_id
        form.pledge_id.data = pledge.id
        form.fund_id.data, form.appeal_id.data = pledge.fund_id, pledge.appeal_id
        plan = allocation(pledge)
        due = plan.next_due_amount
        if due:
            form.amount.data = str(due)
        form.currency.data = pledge.currency
    recurring = db.session.get(RecurringGift, request.args.get("recurring", type=as_id) or 0)
    if recurring is not None:
        donor_id = recurring.contact_id
        form.recurring_id.data = recurring.id
        form.amount.data = str(recurring.amount)
        form.currency.data = recurring.currency
        form.fund_id.data, form.appeal_id.data = recurring.fund_id, recurring.appeal_id
        form.payment_method.data = recurring.payment_method
        form.reference.data = recurring.reference
    return donor_id


def _stored_form(gift: Gift):
    """The edit form as its GET shows `gift` now (for app/edits)."""
    def build() -> GiftForm:
        form = GiftForm(obj=gift, formdata=None)
        form.set_choices(gift.fund_id, gift.appeal_id)
        set_link_choices(form, gift.contact_id, gift.pledge_id, gift.recurring_id)
        return form
    return build


def _donor_picker(source, initial):
    return picker("contact_id", "Donor", source, initial=initial, hint="A person, household or organisation.")


def _notify_picker(source, initial):
    return picker("tribute_notify_id", "Who to notify of the tribute", source, initial=initial,
                  hint="Optional: a relative or friend who receives a tribute letter.")


def _form_page(gift: Gift | None):
    posted = request.method == "POST"
    source = request.form if posted else {}
    if gift is not None and not posted:
        form = _stored_form(gift)()
        edits.stamp(form)
    else:
        form = GiftForm()
    donor_initial = gift.contact_id if gift is not None else None
    if gift is None and not posted:
        donor_initial = _prefill(form)
    removing = request.form.get("remove_credit", type=as_id) if posted else None
    adding = posted and "add_credit" in request.form
    donor = _donor_picker(source, donor_initial)
    notify = _notify_picker(source, gift.tribute_notify_id if gift is not None else None)
    rows = credit_rows(source, initial=gift.soft_credits if gift is not None else (),
                       adding=adding, removing=removing)
    form.set_choices(gift.fund_id if gift is not None else None, gift.appeal_id if gift is not None else None)
    set_link_choices(form, donor.value,
                     form.pledge_id.data if not posted else request.form.get("pledge_id", type=as_id),
                     form.recurring_id.data if not posted else request.form.get("recurring_id", type=as_id))
    status = 200
    if posted and not adding and removing is None and "find" not in request.form:
        outcome = _save(gift, form, donor, notify, rows)
        if not isinstance(outcome, int):
            return outcome
        status = outcome
        if status == 409:
            donor, notify, rows = _shown_after_conflict(form, donor, notify, rows)
    action = url_for("pipeline.gift_edit", gift_id=gift.id) if gift is not None else url_for("pipeline.gift_new")
    return render_template("pipeline/gift_form.html", form=form, gift=gift, donor=donor, notify=notify,
                           rows=rows, action=action, **giving_context("gifts")), status


PICKED = ("contact_id", "tribute_notify_id", "soft_credits")  # fields shown by pickers and rows


def _shown_after_conflict(form, donor, notify, rows):
    """The pickers and soft-credit rows to show again after a conflict: a
    field that settle filled with someone else's value shows that value,
    the rest shows what was posted."""
    posted = getattr(form, "posted_pickers", {})
    if posted.get("contact_id") is not form.contact_id:
        donor = _donor_picker({}, form.contact_id.data)
    if posted.get("tribute_notify_id") is not form.tribute_notify_id:
        notify = _notify_picker({}, form.tribute_notify_id.data)
    if posted.get("soft_credits") is not form.soft_credits:
        rows = credit_rows({}, initial=[SimpleNamespace(contact_id=c, amount=a, role=r)
                                        for c, a, r in sorted(form.soft_credits.data, key=str)])
    return donor, notify, rows


def _save(gift, form, donor, notify, rows):
    """Validate, check against what is stored now, and write; a redirect,
    or the status to render the form with (422 errors, 409 a conflict)."""
    valid = form.validate_on_submit()
    if not donor.selected:
        donor.error = donor.error or ("Choose the donor from the search results." if donor.q
                                      else "Search for the donor and choose them.")
        valid = False
    if form.tribute_kind.data and not form.tribute_name.data:
        form.tribute_name.errors = [*form.tribute_name.errors, "Name the person the tribute is for."]
        valid = False
    if form.in_kind.data and not form.in_kind_description.data:
        form.in_kind_description.errors = [*form.in_kind_description.errors, "Describe what was given in kind."]
        valid = False
    credits = credit_values(rows, getattr(form.amount, "amount", None))
    if credits is None or not valid:
        return 422
    user = current_user._get_current_object()
    if gift is not None:
        form.posted_pickers = {name: form[name] for name in PICKED}
        rows_posted = "sc_count" in request.form
        if not rows_posted:  # a post without the rows (a script) leaves the soft credits alone
            form.edit_ignore = ("soft_credits",)
        try:
            if not editing.settle(form, gift, _stored_form(gift)):
                return 409
        except editing.Gone:
            return editing.gone("This gift", url_for("pipeline.gifts"))
        # From here on the form holds what is saved: theirs where only they changed it.
        credits = sorted(form.soft_credits.data, key=str) if rows_posted else None
    values = form.values()
    values["tribute_notify_id"] = (form.tribute_notify_id.data if gift is not None else notify.value) \
        if values["tribute_kind"] else None
    try:
        if gift is None:
            gift = gifts.record_gift(contact_id=donor.value, soft_credits=credits, user=user, **values)
            message = "Recorded the gift."
        else:
            values["contact_id"] = form.contact_id.data
            values["currency"] = values["currency"] or gift.currency
            changes = gifts.update_gift(gift, values, credits, user=user)
            message = edits.saved_message("Saved the gift." if changes else "Nothing changed.", form)
    except gifts.GiftError as error:
        db.session.rollback()
        _place_error(form, donor, rows, error)
        return 422
    db.session.commit()
    flash(message, "success")
    return redirect_after_post(url_for("pipeline.gift", gift_id=gift.id), trigger="gifts-changed")


def _place_error(form, donor, rows, error) -> None:
    name = error.field or ""
    if name == "soft_credits":
        target = next((r for r in rows if not r.blank), None)
        if target is not None:
            target.errors.append(str(error))
            return
    if name in form._fields:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        donor.error = str(error)


@bp.route("/gifts/new", methods=["GET", "POST"])
@permission_required("giving.edit")
def gift_new():
    return _form_page(None)


@bp.route("/gifts/<int:gift_id>/edit", methods=["GET", "POST"])
@permission_required("giving.edit")
def gift_edit(gift_id: int):
    gift = _gift_or_none(gift_id)
    if gift is None:
        return editing.gone("This gift", url_for("pipeline.gifts"))
    return _form_page(gift)


@bp.route("/gifts/<int:gift_id>/delete", methods=["GET", "POST"])
@permission_required("giving.edit")
def gift_delete(gift_id: int):
    g = _gift_or_404(gift_id)
    what = f"{format_money(g.amount, g.currency)} from {g.contact.display_name} on {g.received_on.isoformat()}"
    if request.method == "POST":
        gifts.delete_gift(g, user=current_user._get_current_object())
        db.session.commit()
        flash(f"Deleted the gift of {what}.", "success")
        return redirect_after_post(url_for("pipeline.gifts"), trigger="gifts-changed")
    kept = (f" Its receipt number {g.receipt.text} is not given again." if g.receipt is not None else "")
    return confirm_page("Delete this gift?",
                        f"Delete the gift of {what}? Its soft credits and the record of its "
                        f"acknowledgements are deleted with it.{kept} This cannot be undone.",
                        "Delete gift", url_for("pipeline.gift", gift_id=g.id))
