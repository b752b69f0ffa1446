"""Run an export: mark the gifts it carries, then read them back as journal
lines. Marking first makes the file and the marks agree even while gifts
are being recorded: a gift that arrives mid-export is in neither, and the
next "only new gifts" export carries it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update

from app import audit, settings
from app.extensions import db
from modules.pipeline.accounting import journal
from modules.pipeline.accounting.models import AccountingExport
from modules.pipeline.models import Fund, Gift
from modules.pipeline.money import format_money


def mapping() -> journal.Mapping:
    stored = settings.get_all("pipeline")
    by_fund = {int(k): v for k, v in (stored.get("accounting_fund_accounts") or {}).items() if v}
    return journal.Mapping(deposit=stored.get("accounting_deposit_account") or "",
                           default_income=stored.get("accounting_income_account") or "",
                           by_fund=by_fund, tax_rate=stored.get("accounting_tax_rate") or "Tax Exempt",
                           date_format=stored.get("accounting_date_format") or "dmy")


def _in_range(date_from: date, date_to: date, currency: str):
    # In-kind gifts are not money in the bank: they stay out of a cash journal.
    return (Gift.received_on >= date_from, Gift.received_on <= date_to, Gift.currency == currency,
            Gift.in_kind.is_(False))


def already_exported(date_from: date, date_to: date, currency: str) -> tuple[int, int]:
    """(gifts in the range, of which already exported)."""
    total, done = db.session.execute(select(func.count(), func.count(Gift.accounting_export_id))
                                     .where(*_in_range(date_from, date_to, currency))).one()
    return int(total), int(done)


def run(*, date_from: date, date_to: date, currency: str, shape: str, only_new: bool,
        user=None) -> tuple[AccountingExport, str]:
    accounts = mapping()
    record = AccountingExport(shape=shape, currency=currency, date_from=date_from, date_to=date_to,
                              only_new=only_new, created_by_id=getattr(user, "id", None),
                              accounts={"deposit": accounts.deposit, "income": accounts.default_income,
                                        "by_fund": {str(k): v for k, v in accounts.by_fund.items()}})
    db.session.add(record)
    db.session.flush()
    where = _in_range(date_from, date_to, currency)
    marked = db.session.execute(update(Gift).where(*where, Gift.accounting_export_id.is_(None))
                                .values(accounting_export_id=record.id)
                                .execution_options(synchronize_session=False)).rowcount
    carried = Gift.accounting_export_id == record.id if only_new else Gift.accounting_export_id.is_not(None)
    rows = db.session.execute(select(Gift.received_on, Gift.currency, Gift.fund_id, func.sum(Gift.amount),
                                     func.count()).where(*where, carried)
                              .group_by(Gift.received_on, Gift.currency, Gift.fund_id)).all()
    funds = dict(db.session.execute(select(Fund.id, Fund.name)).all())
    lines = journal.lines(rows, accounts, funds)
    total = sum((Decimal(r[3]) for r in rows), Decimal("0.00"))
    record.gift_count = sum(int(r[4]) for r in rows)
    record.newly_exported = marked
    record.total = f"{total:.2f}"
    audit.record(audit.CREATE, record, user=user,
                 summary=f"Exported {record.gift_count} gifts ({format_money(total, currency)}) from "
                         f"{date_from.isoformat()} to {date_to.isoformat()} for {journal.SHAPES[shape]}; "
                         f"{marked} for the first time")
    return record, journal.to_csv(shape, lines, currency, accounts)
