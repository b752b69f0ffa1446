"""Giving → Accounting export (a journal CSV for a date range) and its
settings, the accounts each fund is credited to (pipeline admins)."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import audit, currencies, edits
from app import settings as store
from app.extensions import db
from app.htmx import redirect_after_post
from app.permissions import permission_required
from modules.pipeline.accounting import export
from modules.pipeline.accounting.forms import ExportForm, accounts_form
from modules.pipeline.accounting.journal import SHAPES
from modules.pipeline.accounting.models import AccountingExport
from modules.pipeline.models import Fund
from modules.pipeline.views import bp
from modules.pipeline.views.gifts import giving_context

ADMIN = "pipeline.admin"


def _recent():
    return db.session.scalars(select(AccountingExport).order_by(AccountingExport.id.desc()).limit(20)).all()


def _page(form, status=200, counts=None):
    mapping = export.mapping()
    return render_template("pipeline/accounting_export.html", form=form, exports=_recent(), shapes=SHAPES,
                           ready=bool(mapping.deposit and mapping.default_income), counts=counts,
                           **giving_context("accounting")), status


@bp.route("/giving/accounting", methods=["GET", "POST"])
@permission_required("giving.edit")
def accounting_export():
    if request.method == "GET":
        today = date.today()
        form = ExportForm(date_from=today.replace(day=1), date_to=today)
        return _page(form)
    form = ExportForm()
    if not form.validate():
        return _page(form, 422)
    currency = form.currency.data or currencies.org_currency()
    mapping = export.mapping()
    if not (mapping.deposit and mapping.default_income):
        form.shape.errors.append("Set the deposit and income accounts first (Accounts, below).")
        return _page(form, 422)
    record, text = export.run(date_from=form.date_from.data, date_to=form.date_to.data, currency=currency,
                              shape=form.shape.data, only_new=form.only_new.data,
                              user=current_user._get_current_object())
    db.session.commit()
    name = f"steward-{form.shape.data}-journal-{record.date_from:%Y%m%d}-{record.date_to:%Y%m%d}-{currency}.csv"
    return Response(text.encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _funds():
    return db.session.scalars(select(Fund).order_by(Fund.active.desc(), Fund.position, Fund.name)).all()


def _stored_form(formdata=None):
    kwargs = {} if formdata is ... else {"formdata": formdata}
    stored = store.get_all("pipeline")
    by_fund = stored.get("accounting_fund_accounts") or {}
    funds = _funds()
    return accounts_form(funds, **kwargs, deposit_account=stored.get("accounting_deposit_account") or "",
                         income_account=stored.get("accounting_income_account") or "",
                         tax_rate=stored.get("accounting_tax_rate") or "Tax Exempt",
                         date_format=stored.get("accounting_date_format") or "dmy",
                         **{f"fund_{f.id}": by_fund.get(str(f.id), "") for f in funds})


def _accounts_page(form, status=200):
    return render_template("pipeline/accounting_accounts.html", form=form, funds=_funds(),
                           **giving_context("accounting")), status


@bp.route("/giving/accounting/accounts", methods=["GET", "POST"])
@permission_required(ADMIN)
def accounting_accounts():
    form = _stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _accounts_page(form)
    if not form.validate():
        return _accounts_page(form, 422)
    if not edits.settle(form, store.Edited("pipeline"), _stored_form):
        return _accounts_page(form, 409)
    by_fund = {str(f.id): form[f"fund_{f.id}"].data for f in _funds() if form[f"fund_{f.id}"].data}
    changes = store.put("pipeline", {"accounting_deposit_account": form.deposit_account.data,
                                     "accounting_income_account": form.income_account.data,
                                     "accounting_tax_rate": form.tax_rate.data or "Tax Exempt",
                                     "accounting_date_format": form.date_format.data,
                                     "accounting_fund_accounts": by_fund})
    if changes:
        audit.record(audit.UPDATE, object_type="core_setting", object_id="pipeline",
                     summary="Changed the accounts donations are exported to", changes=changes)
    db.session.commit()
    flash(edits.saved_message("The accounts are saved." if changes else "Nothing changed.", form), "success")
    return redirect_after_post(url_for("pipeline.accounting_accounts"))
