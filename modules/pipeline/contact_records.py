"""Pipeline & giving records when contacts merge, and for privacy requests.

Merge (`merge(survivor_id, merged_id)`, in the caller's transaction): every
row that names the merged contact moves to the survivor: gifts (as donor and
as the person told about a tribute), pledges, recurring gifts, opportunities,
stage changes and acknowledgements. Soft credits move too, except those that
would repeat a credit the survivor already has on the same gift, or credit
the survivor for a gift it now paid itself: those are dropped.

Export (`export(contact_id)`): the contact's gifts, soft credits, pledges
with installments, recurring gifts, opportunities with their stage history,
acknowledgements, and the gifts whose tribute they were told about.

Erase (`erase(contact_id)`, run by contacts before it clears the contact
itself): the accounts keep every amount, date, currency, fund, appeal,
payment method and status; what was written about the person goes:

- their gifts: reference, notes, tribute name (cleared with the tribute
  kind) and in-kind description ("Erased"; the in-kind flag stays);
- pledges: notes; recurring gifts: the payment reference;
- opportunities: name "Erased", next step, notes and lost note emptied;
- other donors' gifts that named them as the person to tell about a tribute
  lose that link;
- audit entries about those gifts, pledges, recurring gifts and
  opportunities keep their action, time and actor; their summaries become
  generic and their changes keep the field names but not the values.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, or_, select, update

from app.extensions import db
from app.models import AuditEntry
from modules.pipeline.models import (
    Acknowledgement,
    Appeal,
    Fund,
    Gift,
    Opportunity,
    Pipeline,
    Pledge,
    PledgeInstallment,
    RecurringGift,
    SoftCredit,
    Stage,
    StageChange,
)

ERASED = "Erased"
ERASED_VALUE = "(erased)"
MOVED = (Gift, Pledge, RecurringGift, Opportunity, StageChange, Acknowledgement)


# Merge -----------------------------------------------------------------------------------

def merge(survivor_id: int, merged_id: int) -> None:
    aliased = db.aliased(SoftCredit)
    # The merged contact's credits on gifts the survivor paid, or already shares.
    db.session.execute(delete(SoftCredit).where(
        SoftCredit.contact_id == merged_id,
        or_(SoftCredit.gift_id.in_(select(Gift.id).where(Gift.contact_id == survivor_id)),
            exists(select(aliased.id).where(aliased.gift_id == SoftCredit.gift_id,
                                            aliased.contact_id == survivor_id))),
    ).execution_options(synchronize_session=False))
    # The survivor's credits on gifts the merged contact paid (soon the survivor's own).
    db.session.execute(delete(SoftCredit).where(
        SoftCredit.contact_id == survivor_id,
        SoftCredit.gift_id.in_(select(Gift.id).where(Gift.contact_id == merged_id)),
    ).execution_options(synchronize_session=False))
    db.session.execute(update(SoftCredit).where(SoftCredit.contact_id == merged_id)
                       .values(contact_id=survivor_id).execution_options(synchronize_session=False))
    for model in MOVED:
        db.session.execute(update(model).where(model.contact_id == merged_id)
                           .values(contact_id=survivor_id).execution_options(synchronize_session=False))
    db.session.execute(update(Gift).where(Gift.tribute_notify_id == merged_id)
                       .values(tribute_notify_id=survivor_id).execution_options(synchronize_session=False))
    from modules.pipeline import donor_years  # the survivor's years now hold the merged contact's gifts

    donor_years.refresh([survivor_id, merged_id])


# Export ------------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def _money(value):
    return None if value is None else str(value)


def export(contact_id: int) -> dict:
    funds = dict(db.session.execute(select(Fund.id, Fund.name)).all())
    appeals = dict(db.session.execute(select(Appeal.id, Appeal.name)).all())
    gifts = db.session.scalars(select(Gift).where(Gift.contact_id == contact_id)
                               .order_by(Gift.received_on, Gift.id)).all()
    credits = db.session.execute(select(SoftCredit, Gift).join(Gift, Gift.id == SoftCredit.gift_id)
                                 .where(SoftCredit.contact_id == contact_id)
                                 .order_by(Gift.received_on, Gift.id)).all()
    pledges = db.session.scalars(select(Pledge).where(Pledge.contact_id == contact_id)
                                 .order_by(Pledge.pledged_on, Pledge.id)).all()
    installments: dict[int, list] = {}
    if pledges:
        for inst in db.session.scalars(select(PledgeInstallment).where(
                PledgeInstallment.pledge_id.in_([p.id for p in pledges])).order_by(PledgeInstallment.due_on)):
            installments.setdefault(inst.pledge_id, []).append({"due_on": _iso(inst.due_on),
                                                                "amount": _money(inst.amount)})
    recurring = db.session.scalars(select(RecurringGift).where(RecurringGift.contact_id == contact_id)
                                   .order_by(RecurringGift.starts_on, RecurringGift.id)).all()
    opportunities = db.session.execute(
        select(Opportunity, Pipeline.name, Stage.name).join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .join(Stage, Stage.id == Opportunity.stage_id).where(Opportunity.contact_id == contact_id)
        .order_by(Opportunity.id)).all()
    stage_names = dict(db.session.execute(select(Stage.id, Stage.name)).all())
    changes = db.session.scalars(select(StageChange).where(StageChange.contact_id == contact_id)
                                 .order_by(StageChange.at, StageChange.id)).all()
    acks = db.session.scalars(select(Acknowledgement).where(Acknowledgement.contact_id == contact_id)
                              .order_by(Acknowledgement.created_at, Acknowledgement.id)).all()
    told = db.session.scalars(select(Gift).where(Gift.tribute_notify_id == contact_id)
                              .order_by(Gift.received_on, Gift.id)).all()
    return {
        "gifts": [{"id": g.id, "received_on": _iso(g.received_on), "amount": _money(g.amount),
                   "currency": g.currency, "fund": funds.get(g.fund_id), "appeal": appeals.get(g.appeal_id),
                   "payment_method": g.payment_method, "reference": g.reference, "anonymous": g.anonymous,
                   "in_kind": g.in_kind, "in_kind_description": g.in_kind_description,
                   "tribute_kind": g.tribute_kind, "tribute_name": g.tribute_name, "notes": g.notes,
                   "pledge_id": g.pledge_id, "recurring_id": g.recurring_id,
                   "acknowledged_at": _iso(g.acknowledged_at)} for g in gifts],
        "soft_credits": [{"gift_id": g.id, "received_on": _iso(g.received_on), "amount": _money(c.amount),
                          "currency": g.currency, "role": c.role} for c, g in credits],
        "pledges": [{"id": p.id, "pledged_on": _iso(p.pledged_on), "amount": _money(p.amount),
                     "currency": p.currency, "status": p.status, "fund": funds.get(p.fund_id),
                     "notes": p.notes, "installments": installments.get(p.id, [])} for p in pledges],
        "recurring_gifts": [{"id": r.id, "amount": _money(r.amount), "currency": r.currency,
                             "frequency": r.frequency, "starts_on": _iso(r.starts_on), "ends_on": _iso(r.ends_on),
                             "status": r.status, "payment_method": r.payment_method, "reference": r.reference,
                             "fund": funds.get(r.fund_id)} for r in recurring],
        "opportunities": [{"id": o.id, "name": o.name, "pipeline": pipeline, "stage": stage,
                           "amount": _money(o.amount), "currency": o.currency,
                           "expected_close": _iso(o.expected_close), "closed_on": _iso(o.closed_on),
                           "next_step": o.next_step, "notes": o.notes, "lost_note": o.lost_note}
                          for o, pipeline, stage in opportunities],
        "stage_changes": [{"opportunity_id": c.opportunity_id, "from": stage_names.get(c.from_stage_id),
                           "to": stage_names.get(c.to_stage_id), "at": _iso(c.at)} for c in changes],
        "acknowledgements": [{"kind": a.kind, "gift_id": a.gift_id, "year": a.year, "channel": a.channel,
                              "at": _iso(a.created_at)} for a in acks],
        "tributes_notified": [{"gift_id": g.id, "received_on": _iso(g.received_on), "tribute_kind": g.tribute_kind,
                               "tribute_name": g.tribute_name, "notified_at": _iso(g.tribute_notified_at)}
                              for g in told],
    }


# Erase -------------------------------------------------------------------------------------

def _scrub_audit(object_type: str, ids) -> None:
    ids = [str(i) for i in ids]
    for start in range(0, len(ids), 500):
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == object_type, AuditEntry.object_id.in_(ids[start:start + 500]))).all()
        for entry in entries:
            what = object_type.removeprefix("pipeline_").replace("_", " ")
            entry.summary = f"{entry.action.capitalize()} {what} #{entry.object_id} (details erased)"
            if entry.changes:
                entry.changes = {key: [ERASED_VALUE, ERASED_VALUE] for key in entry.changes}


def erase(contact_id: int) -> None:
    owned = {model: list(db.session.scalars(select(model.id).where(model.contact_id == contact_id)))
             for model in (Gift, Pledge, RecurringGift, Opportunity)}
    db.session.execute(update(Gift).where(Gift.contact_id == contact_id).values(
        reference="", notes="", tribute_kind="", tribute_name=""))
    db.session.execute(update(Gift).where(Gift.contact_id == contact_id, Gift.in_kind.is_(True))
                       .values(in_kind_description=ERASED))
    db.session.execute(update(Gift).where(Gift.tribute_notify_id == contact_id)
                       .values(tribute_notify_id=None))
    db.session.execute(update(Pledge).where(Pledge.contact_id == contact_id).values(notes="")
                       )
    db.session.execute(update(RecurringGift).where(RecurringGift.contact_id == contact_id).values(reference="")
                       )
    db.session.execute(update(Opportunity).where(Opportunity.contact_id == contact_id).values(
        name=ERASED, next_step="", notes="", lost_note=""))
    for model, ids in owned.items():
        _scrub_audit(model.__tablename__, ids)

