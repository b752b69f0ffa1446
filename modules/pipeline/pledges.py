"""Where a pledge stands: its payments (gifts with `pledge_id`) allocated to
the installments in due-date order, each installment paid, partly paid,
overdue or due, and what is paid and outstanding overall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app import audit
from app.extensions import db
from modules.pipeline.gifts import STEP, GiftError, installment_schedule, pledge_paid, refresh_pledge_status
from modules.pipeline.models import Pledge, PledgeInstallment
from modules.pipeline.money import format_money

ZERO = Decimal("0.00")
STATES = {"paid": "Paid", "partly": "Partly paid", "overdue": "Overdue", "partly_overdue": "Partly paid, overdue",
          "due": "Due", "cancelled": "Cancelled"}


@dataclass
class InstallmentState:
    installment: PledgeInstallment
    paid: Decimal
    state: str

    @property
    def outstanding(self) -> Decimal:
        return self.installment.amount - self.paid

    @property
    def label(self) -> str:
        return STATES[self.state]


@dataclass
class Allocation:
    rows: list[InstallmentState]
    paid: Decimal
    outstanding: Decimal
    overpaid: Decimal

    @property
    def next_due_amount(self) -> Decimal | None:
        """What the next unpaid installment still needs (prefills a payment)."""
        return next((r.outstanding for r in self.rows if r.outstanding > 0), None)

    @property
    def overdue(self) -> Decimal:
        return sum((r.outstanding for r in self.rows if r.state in ("overdue", "partly_overdue")), ZERO)


def allocate(installments: list[PledgeInstallment], paid: Decimal, today: date,
             cancelled: bool = False) -> list[InstallmentState]:
    """Spread `paid` over the installments, earliest due first."""
    rows, left = [], paid
    for inst in sorted(installments, key=lambda i: (i.due_on, i.id or 0)):
        covered = min(left, inst.amount)
        left -= covered
        if covered >= inst.amount:
            state = "paid"
        elif cancelled:
            state = "cancelled"
        elif inst.due_on < today:
            state = "partly_overdue" if covered > 0 else "overdue"
        else:
            state = "partly" if covered > 0 else "due"
        rows.append(InstallmentState(inst, covered, state))
    return rows


def allocation(pledge: Pledge, today: date | None = None) -> Allocation:
    from modules.pipeline.giving_forms import today as org_today

    paid = pledge_paid(pledge.id)
    rows = allocate(pledge.installments, paid, today or org_today(), pledge.status == "cancelled")
    outstanding = max(pledge.amount - paid, ZERO) if pledge.status != "cancelled" else ZERO
    return Allocation(rows, paid, outstanding, max(paid - pledge.amount, ZERO))


def cancel(pledge: Pledge, *, user=None) -> None:
    """Stop expecting the rest; payments already made stay."""
    if pledge.status == "cancelled":
        return
    old = pledge.status
    pledge.status = "cancelled"
    audit.record(audit.UPDATE, pledge, user=user, changes={"status": (old, "cancelled")},
                 summary=f"Cancelled pledge {format_money(pledge.amount, pledge.currency)}")
    db.session.flush()


SCHEDULE = ("installments", "frequency", "first_due")


def schedule_values(pledge: Pledge) -> dict:
    """The schedule as the form asks for it: how many installments, how
    often (read from the first two due dates) and when the first is due."""
    dues = sorted(i.due_on for i in pledge.installments)
    frequency = "monthly"
    if len(dues) > 1:
        frequency = next((key for key, step in STEP.items() if dues[0] + step == dues[1]), frequency)
    return {"installments": len(dues), "frequency": frequency, "first_due": dues[0] if dues else pledge.pledged_on}


def _schedule_key(values: dict) -> tuple:
    # How often one installment falls due means nothing.
    return (values["installments"], values["frequency"] if values["installments"] > 1 else "", values["first_due"])


def update(pledge: Pledge, values: dict, schedule: dict, *, user=None) -> dict:
    """Correct a pledge: `values` are its columns (amount, pledged_on, fund_id,
    appeal_id, notes), `schedule` its installments, count, frequency and first
    due date. The installments are laid out again when the amount or the
    schedule changed. The amount cannot go below what is already paid.
    Returns the audited changes."""
    paid = pledge_paid(pledge.id)
    if values["amount"] < paid:
        raise GiftError(f"{format_money(paid, pledge.currency)} is already paid on this pledge; "
                        "the amount cannot be less than that.", "amount")
    before = schedule_values(pledge)
    changes = audit.diff(pledge, values)
    if "amount" in changes or _schedule_key(before) != _schedule_key(schedule):
        laid_out = installment_schedule(pledge.amount, schedule["installments"], schedule["first_due"],
                                        schedule["frequency"])
        pledge.installments = [PledgeInstallment(due_on=due, amount=amount) for due, amount in laid_out]
        changes.update({key: (before[key], schedule[key]) for key in SCHEDULE if before[key] != schedule[key]})
    refresh_pledge_status(pledge)
    db.session.flush()
    if changes:
        audit.record(audit.UPDATE, pledge, user=user, changes=changes,
                     summary=f"Edited pledge {format_money(pledge.amount, pledge.currency)}")
    return changes
