"""The daily gift totals the dashboard chart reads (pipeline_gift_day):
every write path of the gift service leaves them equal to a full
recomputation from the gifts, the chart shows them, and `flask pipeline
rebuild-rollup` puts a damaged table right."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from app import create_app
from app.extensions import db
from modules.contacts.dedupe import merge
from modules.contacts.models import Contact
from modules.contacts.people import privacy, records
from modules.pipeline import donor_year_totals, donor_years, gift_rollup, gifts, widgets
from modules.pipeline import seed as pipeline_seed
from modules.pipeline.gift_import import run as runner
from modules.pipeline.models import Appeal, DonorYear, Fund, Gift, GiftDay
from tests.conftest import app_config

D = Decimal
FILES = Path(__file__).parent / "files"


def person(first: str) -> int:
    contact = records.create("person", {"first_name": first, "last_name": "Giver"})
    db.session.flush()
    return contact.id


def in_step() -> dict:
    """The stored totals after a commit, checked against the gifts."""
    db.session.commit()
    stored = gift_rollup.stored()
    assert stored == gift_rollup.recomputed()
    # The per-fund-and-appeal table the standard reports read follows the same writes.
    assert gift_rollup.fund_days_stored() == gift_rollup.fund_days_recomputed()
    assert all(gifts_ > 0 for _, gifts_ in gift_rollup.fund_days_stored().values())
    # So does the count of gifts per amount the median reads.
    assert gift_rollup.amounts_stored() == gift_rollup.amounts_recomputed()
    assert all(gifts_ > 0 for gifts_ in gift_rollup.amounts_stored().values())
    # So do the donors' fiscal years the retention reports count.
    assert donor_years.stored() == donor_years.recomputed()
    # And their sums per year, which retention, conversion, LYBUNT and SYBUNT total.
    assert donor_year_totals.stored() == donor_year_totals.recomputed()
    assert sum(row[4] for row in donor_year_totals.stored()) == len(donor_years.stored())
    assert all(gifts_ > 0 for _, gifts_ in stored.values())  # no empty days left behind
    return stored


def test_every_write_path_keeps_the_totals_equal_to_the_gifts(app, ctx):
    ann, bob = person("Ann"), person("Bob")
    day = date(2026, 3, 2)
    first = gifts.record_gift(contact_id=ann, amount=D("100"), received_on=day)
    gifts.record_gift(contact_id=bob, amount=D("50.50"), received_on=day)
    euro = gifts.record_gift(contact_id=bob, amount=D("10"), received_on=day, currency="eur")
    assert in_step() == {("USD", day): (D("150.50"), 2), ("EUR", day): (D("10.00"), 1)}

    gifts.update_gift(first, {"amount": D("120")})
    assert in_step()[("USD", day)] == (D("170.50"), 2)
    gifts.update_gift(first, {"received_on": date(2026, 3, 3)})
    assert in_step()[("USD", date(2026, 3, 3))] == (D("120.00"), 1)
    gifts.update_gift(euro, {"currency": "gbp", "amount": D("12")})
    assert ("EUR", day) not in in_step()
    gifts.update_gift(first, {"notes": "Thank you card sent"})  # nothing the totals hold
    fund = Fund(name="Roof")
    db.session.add(fund)
    db.session.flush()
    unchanged = in_step()
    gifts.update_gift(first, {"fund_id": fund.id})  # moves between funds, the day's total stays
    assert in_step() == unchanged
    by_fund = gift_rollup.fund_days_stored()
    assert by_fund[("USD", date(2026, 3, 3), fund.id, 0)] == (D("120.00"), 1)
    assert ("USD", date(2026, 3, 3), 0, 0) not in by_fund
    in_step()

    gifts.delete_gift(euro)
    assert in_step().get(("GBP", day)) is None

    # Merging, trashing, restoring and erasing keep every gift's amount, day and currency.
    before = in_step()
    merge.merge(records.load(ann), records.load(bob), {})
    assert in_step() == before
    records.trash([db.session.get(Contact, ann)])
    assert in_step() == before
    records.restore([db.session.get(Contact, ann)])
    assert in_step() == before
    privacy.erase(db.session.get(Contact, ann))
    assert in_step() == before

    # Purging a contact for good takes its gifts (ON DELETE CASCADE) out of the totals.
    carl = person("Carl")
    gifts.record_gift(contact_id=carl, amount=D("5"), received_on=day)
    gifts.record_gift(contact_id=carl, amount=D("7"), received_on=date(2025, 1, 1))
    in_step()
    records.trash([db.session.get(Contact, carl)])
    records.purge([db.session.get(Contact, carl)])
    assert db.session.scalar(select(Gift.id).where(Gift.contact_id == carl)) is None
    assert in_step() == before


def test_an_import_its_restart_and_its_undo(app, ctx):
    grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"}, records.Details(
        emails=[{"email": "grace@example.org", "label": "", "is_primary": True}]))
    db.session.add_all([Fund(name="Building fund", code="BLD"), Appeal(name="Spring letter", code="SPR26")])
    db.session.flush()
    gifts.record_gift(contact_id=grace.id, amount=D("1"), received_on=date(2026, 3, 1))
    before = in_step()

    imp = runner.new_import((FILES / "gifts.csv").read_bytes(), "gifts.csv")
    imp.create_donors = True
    runner.execute(imp)
    after = in_step()
    assert sum(n for _, n in after.values()) == 1 + imp.created > 1
    imp.status = "running"  # as if the worker died before marking it finished: it starts again
    runner.execute(imp)
    assert in_step() == after
    runner.undo(imp)  # removes its gifts and purges the donors it created
    assert in_step() == before


def test_the_demo_seed_fills_the_totals(app, ctx):
    for i in range(40):
        person(f"Seeded{i}")
    db.session.commit()
    pipeline_seed.seed(40, random.Random(7), lambda *a, **k: None, today=date(2026, 6, 15))
    assert len(in_step()) > 10


def test_the_chart_reads_the_totals(app, ctx):
    ann = person("Ann")
    gifts.record_gift(contact_id=ann, amount=D("40"), received_on=date(2026, 1, 5))
    db.session.commit()
    # A gift written past the service (by hand, in SQL) does not reach the chart until a rebuild.
    db.session.add(Gift(contact_id=ann, amount=D("60"), currency="USD", received_on=date(2026, 1, 6)))
    db.session.commit()
    _, months, _ = widgets.monthly_totals(date(2026, 3, 15))
    assert months[0].this_year == D("40.00")
    gift_rollup.rebuild()
    db.session.commit()
    _, months, _ = widgets.monthly_totals(date(2026, 3, 15))
    assert months[0].this_year == D("100.00")


@pytest.mark.parametrize("damage", ["emptied", "wrong", "extra"])
def test_rebuild_rollup_puts_the_table_right(app, damage):
    with app.app_context():
        ann = person("Ann")
        for amount, on in (("10", date(2024, 2, 29)), ("20", date(2026, 1, 1)), ("30", date(2026, 1, 1))):
            gifts.record_gift(contact_id=ann, amount=D(amount), received_on=on)
        expected = in_step()
        if damage == "emptied":
            db.session.execute(delete(GiftDay))
        elif damage == "wrong":
            db.session.get(GiftDay, ("USD", date(2026, 1, 1))).total = D("1")
        else:
            db.session.add(GiftDay(currency="CHF", day=date(2020, 1, 1), total=D("5"), gifts=1))
        db.session.commit()
        assert gift_rollup.stored() != expected
    result = app.test_cli_runner().invoke(args=["pipeline", "rebuild-rollup"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the daily gift totals: 2 day(s) with gifts." in result.output
    with app.app_context():
        assert gift_rollup.stored() == expected


def _migrated_to(app, tmp_path, pipeline_revision: str):
    """A SQLite file of its own, migrated to `pipeline_revision` (the session
    database cannot be taken back a revision without breaking the other
    tests); the core and contacts at their heads (donors are made with
    today's model and announced to today's webhooks)."""
    old = create_app(app_config(tmp_path, STEWARD_MODULES=["contacts", "pipeline"],
                                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
                                REDIS_URL=app.extensions["steward"].redis_url))
    for revision in ("core@head", "contacts@head", pipeline_revision):
        result = old.test_cli_runner().invoke(args=["db", "upgrade", revision])
        assert result.exit_code == 0, result.output
    return old


def _raw_gift(contact_id: int, amount: str, currency: str, on: date) -> None:
    """A gift as an older version wrote it, past today's gift service."""
    db.session.execute(Gift.__table__.insert().values(
        contact_id=contact_id, amount=D(amount), currency=currency, received_on=on, payment_method="",
        reference="", anonymous=False, in_kind=False, in_kind_description="", tribute_kind="",
        tribute_name="", notes="", created_at=datetime.now(UTC), updated_at=datetime.now(UTC)))


def _upgrade(old) -> None:
    result = old.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output


def test_the_migration_fills_the_totals_from_the_gifts_already_there(app, tmp_path):
    # The SQL the migration runs is plain on both databases.
    old = _migrated_to(app, tmp_path, "pipeline_0005")  # giving just before the rollup
    with old.app_context():
        ann = person("Ann")
        for amount, on, currency in (("10", date(2025, 5, 1), "USD"), ("15", date(2025, 5, 1), "USD"),
                                     ("20", date(2025, 5, 1), "EUR"), ("30", date(2026, 1, 1), "USD")):
            _raw_gift(ann, amount, currency, on)
        db.session.commit()
    _upgrade(old)
    with old.app_context():
        assert gift_rollup.stored() == gift_rollup.recomputed() == {
            ("USD", date(2025, 5, 1)): (D("25.00"), 2), ("EUR", date(2025, 5, 1)): (D("20.00"), 1),
            ("USD", date(2026, 1, 1)): (D("30.00"), 1)}
        db.session.remove()
        db.engine.dispose()


def test_the_migration_sums_the_donors_years_already_built(app, tmp_path):
    """pipeline_0017 fills pipeline_donor_year_total from the rows built before it, and the
    gifts per amount and day from the gifts."""
    old = _migrated_to(app, tmp_path, "pipeline_0016_gift_external_ids")
    with old.app_context():
        ann, bob = person("Ann"), person("Bob")
        db.session.execute(DonorYear.__table__.insert(), [
            {"start_month": 1, "year": 2024, "contact_id": ann, "gifts": 2, "first": True, "again": True,
             "next_year": 2025, "total": D("30"), "to_date": D("30"), "gifts_to_date": 2},
            {"start_month": 1, "year": 2025, "contact_id": ann, "gifts": 1, "first": False, "again": False,
             "next_year": None, "total": D("5"), "to_date": D("35"), "gifts_to_date": 3},
            {"start_month": 1, "year": 2024, "contact_id": bob, "gifts": 1, "first": True, "again": True,
             "next_year": 2025, "total": D("10"), "to_date": D("10"), "gifts_to_date": 1}])
        for amount in ("10", "10", "25"):  # and gifts, which it counts per amount and day
            _raw_gift(ann, amount, "USD", date(2025, 5, 1))
        db.session.commit()
    _upgrade(old)
    with old.app_context():
        assert donor_year_totals.stored() == donor_year_totals.recomputed() == {
            (1, 2024, 2025, True, 2, 1, 3, D("40.00"), 3, D("40.00")),
            (1, 2025, 0, False, 1, 0, 1, D("5.00"), 3, D("35.00"))}
        assert gift_rollup.amounts_stored() == gift_rollup.amounts_recomputed() == {
            ("USD", date(2025, 5, 1), D("10.00")): 2, ("USD", date(2025, 5, 1), D("25.00")): 1}
        db.session.remove()
        db.engine.dispose()
