"""What each Stripe event does. `apply(event)` is called once per event id
(the endpoint stores the id first) and returns what it did, in words, for
the log on the settings page; it raises only for faults worth a retry.

- checkout.session.completed / .async_payment_succeeded: a one-off gift
  (mode "payment", once paid), or a recurring gift (mode "subscription":
  its installments arrive as invoice.paid);
- invoice.paid: an installment of a subscription, as a gift of its
  recurring gift (which it creates if the checkout event has not come yet);
- charge.refunded: the gift's amount goes down by what was refunded; a gift
  refunded in full is deleted (the audit log keeps it);
- customer.subscription.deleted: the recurring gift ends.

Fund, appeal and (for subscriptions) frequency come from the metadata the
donation form put on the Checkout session: `fund`, `appeal` (name or code),
`frequency` (monthly, quarterly, yearly)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select

from app import audit, currencies, settings
from app.dates import org_zone
from app.extensions import db
from modules.pipeline import gifts, recurring, signals
from modules.pipeline.models import FREQUENCIES, Appeal, Fund, Gift, RecurringGift
from modules.pipeline.money import format_money
from modules.pipeline.stripe import donors
from modules.pipeline.stripe.amounts import from_minor
from modules.pipeline.stripe.models import StripePayment

ACTOR = "Stripe"


def apply(event: dict) -> tuple[str, int | None]:
    """(what was done, the gift it concerns if any)."""
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    day = _day(event.get("created"))
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return _checkout(obj, day)
    if kind == "invoice.paid":
        return _invoice(obj, day)
    if kind == "charge.refunded":
        return _refund(obj)
    if kind == "customer.subscription.deleted":
        return _subscription_ended(obj, day)
    return f"ignored: Steward does not use {kind or 'this kind of'} event", None


def _day(created) -> date:
    when = datetime.fromtimestamp(int(created), UTC) if created else datetime.now(UTC)
    return when.astimezone(org_zone()).date()


def _named(model, value: str):
    value = (value or "").strip()
    if not value:
        return None
    return db.session.scalar(select(model).where(or_(func.lower(model.name) == value.lower(),
                                                     model.code == value)).limit(1))


def _designation(metadata: dict) -> tuple[dict, list[str]]:
    """fund_id / appeal_id from the metadata (or the default fund), and what was not found."""
    values, missing = {}, []
    wanted_fund = (metadata.get("fund") or "").strip() or (settings.get("pipeline", "stripe_default_fund") or "")
    for key, model, wanted in (("fund_id", Fund, wanted_fund), ("appeal_id", Appeal, metadata.get("appeal", ""))):
        found = _named(model, wanted)
        if found is not None:
            values[key] = found.id
        elif (wanted or "").strip():
            missing.append(f"{model.__name__.lower()} “{wanted.strip()}” not found")
    return values, missing


def _money(amount, currency: str):
    code = (currency or "").upper()
    if not currencies.is_currency(code):
        raise ValueError(f"unknown currency {currency!r}")
    return from_minor(int(amount or 0), code), code


def _payer(obj: dict) -> tuple[str, str]:
    details = obj.get("customer_details") or {}
    email = details.get("email") or obj.get("customer_email") or ""
    name = details.get("name") or obj.get("customer_name") or ""
    return email, name


def _record(obj: dict, *, payment_id: str, charge_id: str, minor: int, currency: str, day: date,
            metadata: dict, recurring_gift: RecurringGift | None = None) -> tuple[str, int | None]:
    seen = db.session.scalar(select(StripePayment).where(StripePayment.payment_id == payment_id))
    if seen is not None:
        return f"already recorded: payment {payment_id} is gift #{seen.gift_id}", seen.gift_id
    amount, code = _money(minor, currency)
    if amount <= 0:
        return "ignored: nothing was paid", None
    if recurring_gift is not None:
        contact_id, created = recurring_gift.contact_id, False
        designation, missing = {"fund_id": recurring_gift.fund_id, "appeal_id": recurring_gift.appeal_id}, []
    else:
        email, name = _payer(obj)
        contact_id, created = donors.find_or_create(email, name, obj.get("customer") or "")
        designation, missing = _designation(metadata)
    gift = gifts.record_gift(contact_id=contact_id, amount=amount, currency=code, received_on=day,
                             payment_method="online", reference=f"stripe:{payment_id}"[:100],
                             recurring_id=recurring_gift.id if recurring_gift else None, **designation)
    db.session.add(StripePayment(payment_id=payment_id, charge_id=charge_id, gift_id=gift.id, amount=int(minor)))
    said = f"gift #{gift.id} of {format_money(amount, code)} recorded" + (" for a new contact" if created else "")
    return "; ".join([said, *missing]), gift.id


def _checkout(session: dict, day: date) -> tuple[str, int | None]:
    metadata = session.get("metadata") or {}
    if session.get("mode") == "subscription":
        rg, said = _recurring(session.get("subscription") or "", session, day, metadata)
        return said, None
    if session.get("payment_status") != "paid":
        return "waiting: the payment has not cleared yet (Stripe sends async_payment_succeeded when it does)", None
    payment_id = session.get("payment_intent") or session.get("id") or ""
    return _record(session, payment_id=payment_id, charge_id="", minor=session.get("amount_total") or 0,
                   currency=session.get("currency") or "", day=day, metadata=metadata)


def _frequency(invoice: dict, metadata: dict) -> str:
    wanted = (metadata.get("frequency") or "").lower()
    if wanted in FREQUENCIES:
        return wanted
    for line in ((invoice.get("lines") or {}).get("data") or []):
        plan = (line.get("price") or {}).get("recurring") or line.get("plan") or {}
        interval, count = plan.get("interval"), int(plan.get("interval_count") or 1)
        if interval == "year" and count == 1:
            return "yearly"
        if interval == "month" and count == 3:
            return "quarterly"
        if interval == "month" and count == 1:
            return "monthly"
    return "monthly"


def _recurring(subscription_id: str, obj: dict, day: date, metadata: dict,
               minor: int | None = None) -> tuple[RecurringGift | None, str]:
    """The recurring gift of a subscription, created on first sight."""
    if not subscription_id:
        return None, "ignored: no subscription id"
    reference = f"stripe:{subscription_id}"
    rg = db.session.scalar(select(RecurringGift).where(RecurringGift.reference == reference))
    if rg is not None:
        return rg, f"recurring gift #{rg.id} already set up"
    amount, code = _money(obj.get("amount_total") if minor is None else minor, obj.get("currency") or "")
    email, name = _payer(obj)
    contact_id, created = donors.find_or_create(email, name, obj.get("customer") or "")
    designation, missing = _designation(metadata)
    rg = recurring.create(contact_id=contact_id, amount=amount, currency=code, frequency=_frequency(obj, metadata),
                          starts_on=day, payment_method="card", reference=reference, **designation)
    said = f"recurring gift #{rg.id} of {format_money(amount, code)} {rg.frequency} set up"
    return rg, "; ".join([said + (" for a new contact" if created else ""), *missing])


def _subscription_of(invoice: dict) -> tuple[str, dict]:
    """Subscription id and metadata, in the invoice shapes of older and newer Stripe API versions."""
    parent = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    old = invoice.get("subscription_details") or {}
    sub = invoice.get("subscription") or parent.get("subscription") or ""
    if isinstance(sub, dict):
        sub = sub.get("id", "")
    return sub, parent.get("metadata") or old.get("metadata") or {}


def _payment_of(invoice: dict) -> str:
    if invoice.get("payment_intent"):
        return invoice["payment_intent"]
    for row in ((invoice.get("payments") or {}).get("data") or []):
        intent = (row.get("payment") or {}).get("payment_intent")
        if intent:
            return intent
    return invoice.get("id") or ""


def _invoice(invoice: dict, day: date) -> tuple[str, int | None]:
    subscription_id, metadata = _subscription_of(invoice)
    minor = invoice.get("amount_paid") or 0
    if not subscription_id:
        return "ignored: an invoice that is not for a subscription", None
    rg, set_up = _recurring(subscription_id, invoice, day, metadata, minor=minor)
    said, gift_id = _record(invoice, payment_id=_payment_of(invoice), charge_id=invoice.get("charge") or "",
                            minor=minor, currency=invoice.get("currency") or "", day=day, metadata=metadata,
                            recurring_gift=rg)
    return (f"{set_up}; {said}" if "set up" in set_up and "already" not in set_up else said), gift_id


def _refund(charge: dict) -> tuple[str, int | None]:
    keys = [k for k in (charge.get("payment_intent"), charge.get("id"), charge.get("invoice")) if k]
    payment = db.session.scalar(select(StripePayment).where(
        or_(StripePayment.payment_id.in_(keys), StripePayment.charge_id == (charge.get("id") or "-")))
        .with_for_update())
    if payment is None:
        return "ignored: a refund of a payment Steward did not record", None
    total = int(charge.get("amount_refunded") or 0)
    delta = total - payment.refunded
    if delta <= 0:
        return f"already applied: {payment.refunded} refunded so far", payment.gift_id
    payment.refunded = total
    gift = db.session.get(Gift, payment.gift_id) if payment.gift_id else None
    if gift is None:
        return "noted: the gift was already deleted", None
    refunded, code = _money(delta, gift.currency)
    full = total >= payment.amount
    signals.gift_refunded.send(gift, amount=refunded, full=full, user=None)
    if full:
        gift_id = gift.id
        audit.record(audit.UPDATE, gift, actor=ACTOR, summary=f"Refunded in full in Stripe ({charge.get('id')})")
        gifts.delete_gift(gift)
        return f"gift #{gift_id} refunded in full and removed", None
    remaining = (gift.amount - refunded).quantize(refunded)
    gifts.update_gift(gift, {"amount": remaining})
    audit.record(audit.UPDATE, gift, actor=ACTOR,
                 summary=f"Refunded {format_money(refunded, code)} in Stripe ({charge.get('id')})")
    return f"gift #{gift.id} reduced by {format_money(refunded, code)}", gift.id


def _subscription_ended(subscription: dict, day: date) -> tuple[str, int | None]:
    rg = db.session.scalar(select(RecurringGift).where(
        RecurringGift.reference == f"stripe:{subscription.get('id', '')}"))
    if rg is None:
        return "ignored: a subscription Steward did not record", None
    recurring.set_status(rg, "ended", day)
    return f"recurring gift #{rg.id} ended", None
