"""A hand-built giving history for the standard giving reports: a July
fiscal year, gifts on the first and last days of fiscal years and across
calendar-year ends, a gift in another currency, a trashed donor, funds and
an appeal. Every figure the tests expect is worked out by hand in
test_standard_giving.py from the table below.

Fiscal years start on 1 July and are named by the year they start in:
FY2023 = 2023-07-01..2024-06-30, FY2024 = 2024-07-01..2025-06-30,
FY2025 = 2025-07-01..2026-06-30 (the report year), FY2026 = 2026-07-01..

    donor  gifts (USD unless said)                          FY of each
    Ann    2023-08-10 100; 2025-06-30 200; 2025-07-01 50     23; 24 (last day); 25 (first day)
    Ben    2024-07-01 40; 2026-06-30 60                      24 (first day, first ever); 25 (last day)
    Cat    2024-12-31 500; 2026-08-01 200 paying her pledge  24 (first ever); 26
    Dan    2022-03-01 1000; 2025-01-15 1500                  21; 24
    Eve    2023-07-01 30                                     23 (first day)
    Fay    2025-09-09 25; 2025-10-10 25                      25; 25 (first ever)
    Gus    2024-06-30 75; 2026-07-01 80                      23 (last day); 26 (first day)
    Hal    2024-09-01 20; 2024-10-01 20; 2025-08-01 20       24; 24 (first ever); 25
    Ivy    2024-11-11 EUR 300; 2025-11-11 10                 24 (first ever, euros); 25
    Jo     2023-09-09 60; 2024-09-09 60                      23; 24
    Kim    2025-12-01 12000 (Building, Gala); 2026-01-15 500 25 (first ever); 25
    Lee    2026-03-03 250 (Building)                         25 (first ever)
    Max    2026-04-04 99.99                                  25 (first ever)
    Tom    2024-08-08 999, then trashed                      left out everywhere
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app import settings
from app.extensions import db
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline import gifts
from modules.pipeline.models import Appeal, Fund

D = Decimal
HISTORY = {
    "Ann": [("2023-08-10", "100"), ("2025-06-30", "200"), ("2025-07-01", "50")],
    "Ben": [("2024-07-01", "40"), ("2026-06-30", "60")],
    "Cat": [("2024-12-31", "500")],
    "Dan": [("2022-03-01", "1000"), ("2025-01-15", "1500")],
    "Eve": [("2023-07-01", "30")],
    "Fay": [("2025-09-09", "25"), ("2025-10-10", "25")],
    "Gus": [("2024-06-30", "75"), ("2026-07-01", "80")],
    "Hal": [("2024-09-01", "20"), ("2024-10-01", "20"), ("2025-08-01", "20")],
    "Ivy": [("2024-11-11", "300", "EUR"), ("2025-11-11", "10")],
    "Jo": [("2023-09-09", "60"), ("2024-09-09", "60")],
    "Kim": [("2025-12-01", "12000", "USD", "building", "gala"), ("2026-01-15", "500")],
    "Lee": [("2026-03-03", "250", "USD", "building")],
    "Max": [("2026-04-04", "99.99")],
    "Tom": [("2024-08-08", "999")],
}


def build() -> dict[str, int]:
    """Creates the donors and their gifts; returns {first name: contact id} and the fund/appeal ids."""
    settings.put("pipeline", {"fiscal_year_start_month": 7})
    building, gala = Fund(name="Building"), Appeal(name="Gala")
    db.session.add_all([building, gala])
    db.session.flush()
    refs = {"building": building.id, "gala": gala.id}
    ids = {}
    for name, history in HISTORY.items():
        contact = records.create("person", {"first_name": name, "last_name": "Donor"})
        db.session.flush()
        ids[name] = contact.id
        for on, amount, *more in history:
            currency = more[0] if more else "USD"
            fund = refs[more[1]] if len(more) > 1 else None
            appeal = refs[more[2]] if len(more) > 2 else None
            gifts.record_gift(contact_id=contact.id, amount=D(amount), received_on=date.fromisoformat(on),
                              currency=currency, fund_id=fund, appeal_id=appeal)
    pledge = gifts.record_pledge(contact_id=ids["Cat"], amount=D("1000"), pledged_on=date(2026, 7, 15),
                                 schedule=[(date(2026, 8, 1), D("500")), (date(2099, 8, 1), D("500"))])
    gifts.record_gift(contact_id=ids["Cat"], amount=D("200"), received_on=date(2026, 8, 1), pledge_id=pledge.id)
    records.trash([db.session.get(Contact, ids["Tom"])])
    db.session.commit()
    return {**ids, **refs, "pledge": pledge.id}
