"""Recording gifts and pledges: exact money, soft credits, pledge schedules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.gifts import GiftError
from modules.pipeline.models import Gift
from modules.pipeline.money import AmountError, parse_amount


@pytest.fixture
def donor(ctx):
    person = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
    db.session.commit()
    return person


def test_a_thousand_gifts_of_ten_cents_sum_to_exactly_one_hundred(donor):
    for _ in range(1000):
        gifts.record_gift(contact_id=donor.id, amount=Decimal("0.10"), received_on=date(2026, 1, 1))
    db.session.commit()
    total = db.session.scalar(db.select(func.sum(Gift.amount)).where(Gift.contact_id == donor.id))
    assert total == Decimal("100.00") and isinstance(total, Decimal)
    assert str(db.session.scalar(db.select(Gift.amount).limit(1))) == "0.10"


def test_amounts_are_parsed_strictly():
    assert parse_amount("$1,234.5") == Decimal("1234.50")
    assert parse_amount("EUR 10") == Decimal("10.00")
    for bad, message in [("1.234", "two decimal places"), ("-5", "negative"), ("0", "more than zero"),
                         ("ten pounds", "not an amount")]:
        with pytest.raises(AmountError, match=message):
            parse_amount(bad)


def test_a_gift_with_soft_credits_is_audited_in_the_org_currency(donor):
    spouse = records.create("person", {"first_name": "Vincent", "last_name": "Hopper"})
    db.session.flush()
    gift = gifts.record_gift(contact_id=donor.id, amount=Decimal("250.00"), received_on=date(2026, 3, 1),
                             soft_credits=[(spouse.id, Decimal("250.00"), "spouse")],
                             tribute_kind="memory", tribute_name="Walter Hopper")
    db.session.commit()
    assert gift.currency == "USD"
    assert [(c.contact_id, c.amount, c.role) for c in gift.soft_credits] == [(spouse.id, Decimal("250.00"), "spouse")]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "pipeline_gift")).one()
    assert entry.summary == "Gift $250.00 on 2026-03-01"


@pytest.mark.parametrize("credits, message", [
    ("donor", "cannot also be soft-credited"),
    ("too much", "at most the gift's amount"),
])
def test_bad_soft_credits_are_refused(donor, credits, message):
    other = records.create("person", {"first_name": "Ann", "last_name": "Other"})
    db.session.flush()
    credit = (donor.id, Decimal("5"), "spouse") if credits == "donor" else (other.id, Decimal("51"), "spouse")
    with pytest.raises(GiftError, match=message):
        gifts.record_gift(contact_id=donor.id, amount=Decimal("50"), received_on=date(2026, 3, 1),
                          soft_credits=[credit])


def test_a_pledge_schedule_adds_up_and_payments_fulfil_it(donor):
    schedule = gifts.installment_schedule(Decimal("1000.00"), 3, date(2026, 1, 31), "monthly")
    assert schedule == [(date(2026, 1, 31), Decimal("333.33")), (date(2026, 2, 28), Decimal("333.33")),
                        (date(2026, 3, 31), Decimal("333.34"))]
    pledge = gifts.record_pledge(contact_id=donor.id, amount=Decimal("1000.00"), pledged_on=date(2026, 1, 1),
                                 schedule=schedule)
    db.session.commit()
    for due, amount in schedule[:2]:
        gifts.record_gift(contact_id=donor.id, amount=amount, received_on=due, pledge_id=pledge.id)
    assert (pledge.status, gifts.pledge_paid(pledge.id)) == ("open", Decimal("666.66"))
    gifts.record_gift(contact_id=donor.id, amount=Decimal("333.34"), received_on=date(2026, 3, 30),
                      pledge_id=pledge.id)
    assert pledge.status == "fulfilled"
    with pytest.raises(GiftError, match="add up"):
        gifts.record_pledge(contact_id=donor.id, amount=Decimal("10"), pledged_on=date(2026, 1, 1),
                            schedule=[(date(2026, 1, 1), Decimal("9.99"))])


def test_a_pledge_payment_must_come_from_the_pledger(donor):
    other = records.create("person", {"first_name": "Ann", "last_name": "Other"})
    db.session.flush()
    pledge = gifts.record_pledge(contact_id=donor.id, amount=Decimal("10"), pledged_on=date(2026, 1, 1),
                                 schedule=[(date(2026, 1, 1), Decimal("10"))])
    with pytest.raises(GiftError, match="another donor"):
        gifts.record_gift(contact_id=other.id, amount=Decimal("10"), received_on=date(2026, 1, 2),
                          pledge_id=pledge.id)
