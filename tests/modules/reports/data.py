"""A hand-built giving dataset for the report builder's tests: gifts either
side of fiscal-year boundaries (a July year start), in two funds, from
donors with and without a tag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app import settings
from app.extensions import db
from modules.contacts.models import ContactTag, Tag
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Fund

D = Decimal

# donor: [(received_on, amount, fund)]
GIFTS = {
    "Ann": [(date(2024, 6, 30), "100", "General"),   # FY 2023–24 (last day)
            (date(2024, 7, 1), "50", "General"),     # FY 2024–25 (first day)
            (date(2025, 1, 15), "25", "Building")],  # FY 2024–25
    "Ben": [(date(2024, 12, 31), "200", "Building"),  # FY 2024–25
            (date(2025, 7, 1), "10", "General")],    # FY 2025–26
    "Cat": [(date(2023, 7, 1), "5", "General")],     # FY 2023–24 (first day)
    "Dan": [],
}
# Hand-checked: fiscal year (July start) -> (gift count, total, donors)
BY_FISCAL_YEAR = {"FY 2023–24": (2, D("105.00"), 2), "FY 2024–25": (3, D("275.00"), 2),
                  "FY 2025–26": (1, D("10.00"), 1)}
# Calendar years, for contrast
BY_YEAR = {"2023": (1, D("5.00")), "2024": (3, D("350.00")), "2025": (2, D("35.00"))}


def build(fiscal_start: int = 7) -> dict[str, int]:
    """The dataset; returns {name: contact id} and {"tag": id of the "Board" tag}."""
    settings.put("pipeline", {"fiscal_year_start_month": fiscal_start})
    funds = {}
    for name in ("General", "Building"):
        fund = db.session.query(Fund).filter_by(name=name).first() or Fund(name=name)
        db.session.add(fund)
        db.session.flush()
        funds[name] = fund.id
    tag = Tag(name="Board")
    db.session.add(tag)
    db.session.flush()
    ids = {"tag": tag.id}
    for name, history in GIFTS.items():
        person = records.create("person", {"first_name": name, "last_name": "Donor", "city": "Leeds"})
        db.session.flush()
        ids[name] = person.id
        for on, amount, fund in history:
            gifts.record_gift(contact_id=person.id, amount=D(amount), received_on=on, currency="GBP",
                              fund_id=funds[fund])
    db.session.add(ContactTag(contact_id=ids["Ann"], tag_id=tag.id))
    db.session.commit()
    return ids
