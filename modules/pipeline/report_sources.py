"""Pipeline & giving's report sources (app/reporting/sources.py): gifts
(with fund, appeal and payment), soft credits, pledges (paid and
outstanding), and opportunities (pipeline, stage, owner).

Amounts are in each record's own currency: a report that sums money across
currencies should group by currency (or filter to one).

Gifts answer from the daily totals per fund and appeal (gift_rollup.py)
when a report groups and filters only by received date, fund, appeal and
currency and counts or sums the amount: the table totals every gift, and
trashed donors' gifts, which the source leaves out, are taken out again."""

from __future__ import annotations

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import User
from app.reporting.sources import ContactJoin, Field, Join, Rollup, Source
from modules.pipeline.models import (
    OUTCOMES,
    PAYMENT_METHODS,
    Appeal,
    Fund,
    Gift,
    GiftFundDay,
    LostReason,
    Opportunity,
    Pipeline,
    Pledge,
    SoftCredit,
    Stage,
)
from modules.pipeline.money import Money


def _names(model):
    def choices():
        return [(n, n) for n in db.session.scalars(select(model.name).order_by(model.name).limit(1000))]
    return choices


def _currencies():
    return [(c, c) for c in db.session.scalars(select(Gift.currency).distinct().order_by(Gift.currency))]


def _gift_fields(gift=Gift, fund=Fund, appeal=Appeal) -> list[Field]:
    return [
        Field("received", "Received on", "date", gift.received_on, groupable=True),
        Field("amount", "Amount", "money", gift.amount, summable=True),
        Field("currency", "Currency", "choice", gift.currency, groupable=True, choices=_currencies),
        Field("fund", "Fund", "choice", fund.name, groupable=True, choices=_names(Fund), joins=("fund",)),
        Field("appeal", "Appeal", "choice", appeal.name, groupable=True, choices=_names(Appeal),
              joins=("appeal",)),
        Field("payment_method", "Payment method", "choice", gift.payment_method, groupable=True,
              choices=lambda: list(PAYMENT_METHODS.items())),
        Field("in_kind", "In kind", "boolean", gift.in_kind, groupable=True),
        Field("anonymous", "Anonymous", "boolean", gift.anonymous, groupable=True),
        Field("acknowledged", "Acknowledged on", "date", gift.acknowledged_at, groupable=True),
        Field("reference", "Reference", "text", gift.reference),
        Field("gift_id", "Gift ID", "number", gift.id, filterable=False),
        Field("donor_id", "Donor ID", "number", gift.contact_id, groupable=True, filterable=False),
    ]


def _donor_name(contact_id_column, name: str):
    from modules.contacts.models import Contact

    donor = aliased(Contact, name=name)
    return donor, Join(name, donor, donor.id == contact_id_column)


def _fund_days(trashed_donor) -> Rollup:
    """pipeline_gift_fund_day: per day, currency, fund and appeal (0: none, which
    joins no name, as a gift without one), the number and sum of gifts. A fund
    or appeal deleted with gifts still on it names nothing either way."""
    table = (GiftFundDay.__table__.outerjoin(Fund.__table__, Fund.id == GiftFundDay.fund_id)
             .outerjoin(Appeal.__table__, Appeal.id == GiftFundDay.appeal_id))
    return Rollup(
        name="gift_fund_days", table=table,
        fields={"received": GiftFundDay.day, "currency": GiftFundDay.currency, "fund": Fund.name,
                "appeal": Appeal.name},
        count=GiftFundDay.gifts, sums={"amount": GiftFundDay.total},
        excludes=lambda: [trashed_donor],
    )


def sources() -> list[Source]:
    from modules.contacts.models import Contact

    donor, donor_join = _donor_name(Gift.contact_id, "donor")
    gift_joins = [Join("fund", Fund, Fund.id == Gift.fund_id), Join("appeal", Appeal, Appeal.id == Gift.appeal_id),
                  donor_join]
    live_donor = Gift.contact_id.in_(select(Contact.id).where(Contact.deleted_at.is_(None)))
    gifts = Source(
        name="gifts", label="Gifts", permission="giving.view",
        description="Gifts received, with fund, appeal and payment method.",
        table=Gift.__table__, key=Gift.id, joins=gift_joins,
        fields=[Field("donor", "Donor", "text", donor.display_name, joins=("donor",)), *_gift_fields()],
        contacts=[ContactJoin("donor", "The donor", Gift.contact_id)],
        where=lambda: [live_donor],
        # Every gift has a donor (contact_id is required): those not live are in the trash.
        rollups=[_fund_days(Gift.contact_id.in_(select(Contact.id).where(Contact.deleted_at.is_not(None))))],
    )

    credited, credited_join = _donor_name(SoftCredit.contact_id, "credited")
    soft_donor, soft_donor_join = _donor_name(Gift.contact_id, "donor")
    soft_credits = Source(
        name="soft_credits", label="Soft credits", permission="giving.view",
        description="Gifts recognised for someone who did not pay them (spouse, household, solicitor).",
        table=SoftCredit.__table__.join(Gift.__table__, Gift.id == SoftCredit.gift_id), key=SoftCredit.id,
        joins=[Join("fund", Fund, Fund.id == Gift.fund_id), Join("appeal", Appeal, Appeal.id == Gift.appeal_id),
               credited_join, soft_donor_join],
        fields=[Field("credited", "Credited to", "text", credited.display_name, joins=("credited",)),
                Field("credit_amount", "Credited amount", "money", SoftCredit.amount, summable=True),
                Field("role", "Role", "choice", SoftCredit.role, groupable=True,
                      choices=lambda: list(SoftCredit.ROLES.items())),
                Field("donor", "Donor", "text", soft_donor.display_name, joins=("donor",)),
                *_gift_fields()],
        contacts=[ContactJoin("credited", "The person credited", SoftCredit.contact_id),
                  ContactJoin("donor", "The donor", Gift.contact_id)],
        where=lambda: [SoftCredit.contact_id.in_(select(Contact.id).where(Contact.deleted_at.is_(None)))],
    )

    # Money is stored in whole hundredths: arithmetic on it is typed back as Money.
    paid = type_coerce(select(func.coalesce(func.sum(Gift.amount), 0)).where(Gift.pledge_id == Pledge.id)
                       .correlate(Pledge).scalar_subquery(), Money())
    pledger, pledger_join = _donor_name(Pledge.contact_id, "pledger")
    pledges = Source(
        name="pledges", label="Pledges", permission="giving.view",
        description="Promises to give, with what has been paid and what is outstanding.",
        table=Pledge.__table__, key=Pledge.id,
        joins=[Join("fund", Fund, Fund.id == Pledge.fund_id), Join("appeal", Appeal, Appeal.id == Pledge.appeal_id),
               pledger_join],
        fields=[Field("donor", "Donor", "text", pledger.display_name, joins=("pledger",)),
                Field("pledged", "Pledged on", "date", Pledge.pledged_on, groupable=True),
                Field("amount", "Amount pledged", "money", Pledge.amount, summable=True),
                Field("paid", "Paid", "money", paid, summable=True, filterable=False),
                Field("outstanding", "Outstanding", "money", type_coerce(Pledge.amount - paid, Money()), summable=True,
                      filterable=False),
                Field("currency", "Currency", "choice", Pledge.currency, groupable=True, choices=_currencies),
                Field("status", "Status", "choice", Pledge.status, groupable=True,
                      choices=lambda: [("open", "Open"), ("fulfilled", "Fulfilled"), ("cancelled", "Cancelled")]),
                Field("fund", "Fund", "choice", Fund.name, groupable=True, choices=_names(Fund), joins=("fund",)),
                Field("appeal", "Appeal", "choice", Appeal.name, groupable=True, choices=_names(Appeal),
                      joins=("appeal",)),
                Field("pledge_id", "Pledge ID", "number", Pledge.id, filterable=False)],
        contacts=[ContactJoin("donor", "The donor", Pledge.contact_id)],
        where=lambda: [Pledge.contact_id.in_(select(Contact.id).where(Contact.deleted_at.is_(None)))],
    )

    owner = aliased(User, name="opportunity_owner")
    contact, contact_join = _donor_name(Opportunity.contact_id, "opportunity_contact")
    opportunities = Source(
        name="opportunities", label="Opportunities", permission="pipeline.view",
        description="Opportunities in every pipeline, with stage, owner and outcome.",
        table=Opportunity.__table__.join(Stage.__table__, Stage.id == Opportunity.stage_id)
        .join(Pipeline.__table__, Pipeline.id == Opportunity.pipeline_id),
        key=Opportunity.id,
        joins=[Join("owner", owner, owner.id == Opportunity.owner_id),
               Join("lost_reason", LostReason, LostReason.id == Opportunity.lost_reason_id), contact_join],
        fields=[Field("name", "Opportunity", "text", Opportunity.name),
                Field("contact", "Contact", "text", contact.display_name, joins=("opportunity_contact",)),
                Field("pipeline", "Pipeline", "choice", Pipeline.name, groupable=True, choices=_names(Pipeline)),
                Field("stage", "Stage", "choice", Stage.name, groupable=True,
                      choices=lambda: sorted({(n, n) for n in db.session.scalars(select(Stage.name))})),
                Field("outcome", "Outcome", "choice", Stage.outcome, groupable=True,
                      choices=lambda: [(o, o.title()) for o in OUTCOMES]),
                Field("owner", "Owner", "choice", owner.name, groupable=True, choices=_names(User),
                      joins=("owner",)),
                Field("amount", "Amount", "money", Opportunity.amount, summable=True),
                Field("currency", "Currency", "choice", Opportunity.currency, groupable=True,
                      choices=_currencies),
                Field("probability", "Probability %", "number", Stage.probability, groupable=True),
                Field("expected_close", "Expected close", "date", Opportunity.expected_close, groupable=True),
                Field("closed_on", "Closed on", "date", Opportunity.closed_on, groupable=True),
                Field("created", "Created", "date", Opportunity.created_at, groupable=True),
                Field("lost_reason", "Lost reason", "choice", LostReason.name, groupable=True,
                      choices=_names(LostReason), joins=("lost_reason",)),
                Field("opportunity_id", "Opportunity ID", "number", Opportunity.id, filterable=False)],
        contacts=[ContactJoin("contact", "The contact", Opportunity.contact_id)],
        where=lambda: [Opportunity.contact_id.in_(select(Contact.id).where(Contact.deleted_at.is_(None)))],
    )
    return [gifts, soft_credits, pledges, opportunities]


