"""Recurring gifts: expected against received with a grace period, missed
installments, the list's flag from one GROUP BY, and the pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import gifts, recurring
from modules.pipeline.giving_forms import today
from modules.pipeline.models import RecurringGift
from tests.conftest import counted_queries, csrf_from


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, url)})


@pytest.fixture
def donor_id(app):
    with app.app_context():
        person = records.create("person", {"first_name": "Mary", "last_name": "Seacole"})
        db.session.commit()
        return person.id


def _recurring(donor_id, starts_on, frequency="monthly", amount="25", **values):
    return recurring.create(contact_id=donor_id, amount=Decimal(amount), frequency=frequency, starts_on=starts_on,
                            **values)


def _gift(donor_id, rg, day, amount="25"):
    return gifts.record_gift(contact_id=donor_id, amount=Decimal(amount), received_on=day, recurring_id=rg.id)


def test_expected_against_received_with_a_grace_period(ctx, donor_id):
    rg = _recurring(donor_id, date(2026, 1, 15))
    _gift(donor_id, rg, date(2026, 1, 10))  # five days early: counts for January
    _gift(donor_id, rg, date(2026, 3, 21))  # six days late: counts for March
    db.session.commit()
    result = recurring.standing(rg, date(2026, 4, 20))
    assert [(p.due_on, p.state, len(p.gifts)) for p in result.periods] == [
        (date(2026, 1, 15), "received", 1), (date(2026, 2, 15), "missed", 0),
        (date(2026, 3, 15), "received", 1), (date(2026, 4, 15), "waiting", 0)]
    assert (result.expected, result.received, result.missed) == (Decimal("100.00"), Decimal("50.00"), 1)
    assert not result.missed_last  # April is still within its grace
    later = recurring.standing(rg, date(2026, 4, 23))
    assert later.periods[-1].state == "missed" and later.missed_last and later.missed == 2
    # The list's flag, from the last received date alone, agrees.
    assert not recurring.missed_last(rg, date(2026, 3, 21), date(2026, 4, 20))
    assert recurring.missed_last(rg, date(2026, 3, 21), date(2026, 4, 23))
    assert not recurring.missed_last(rg, date(2026, 4, 9), date(2026, 4, 23))  # six days early for April


def test_periods_stop_at_the_end_date_and_follow_the_frequency(ctx, donor_id):
    rg = _recurring(donor_id, date(2025, 1, 31), "quarterly", ends_on=date(2025, 12, 31))
    dates = [p.due_on for p in recurring.standing(rg, date(2026, 6, 1)).periods]
    assert dates == [date(2025, 1, 31), date(2025, 4, 30), date(2025, 7, 31), date(2025, 10, 31)]
    yearly = _recurring(donor_id, date(2024, 2, 29), "yearly")
    assert [p.due_on for p in recurring.standing(yearly, date(2026, 3, 1)).periods] == [
        date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28)]
    # Paused and ended gifts raise no flag.
    rg.status = "paused"
    assert not recurring.missed_last(rg, None, date(2026, 6, 1))


def test_list_flags_missed_installments_with_bounded_queries(admin_client, app, donor_id):
    with app.app_context():
        now = today()
        good = _recurring(donor_id, now - timedelta(days=70), reference="GOOD")
        for days in (70, 40, 10):
            _gift(donor_id, good, now - timedelta(days=days))
        db.session.commit()
    with counted_queries(app) as few:
        html = admin_client.get("/pipeline/recurring/").get_data(as_text=True)
    assert "Mary Seacole" in html and "Missed last installment" not in html
    with app.app_context():
        for _ in range(10):
            lapsed = _recurring(donor_id, now - timedelta(days=100))
            _gift(donor_id, lapsed, now - timedelta(days=100))
        db.session.commit()
        lapsed_id = lapsed.id
    with counted_queries(app) as many:
        html = admin_client.get("/pipeline/recurring/").get_data(as_text=True)
    assert len(many) == len(few)
    assert html.count("Missed last installment") == 10
    page = admin_client.get(f"/pipeline/recurring/{lapsed_id}").get_data(as_text=True)
    assert "Missed last installment" in page and "Missed</span>" in page and "Received</span>" in page


def test_create_edit_pause_resume_and_end(admin_client, app, donor_id):
    response = _post(admin_client, "/pipeline/recurring/new", {
        "contact_id": donor_id, "amount": "15", "frequency": "monthly", "starts_on": "2026-01-01",
        "payment_method": "direct_debit", "reference": "DD-77"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        rg = db.session.scalars(select(RecurringGift)).one()
        assert (rg.amount, rg.reference, rg.status, rg.currency) == (Decimal("15.00"), "DD-77", "active", "USD")
        rg_id = rg.id
    bad = _post(admin_client, f"/pipeline/recurring/{rg_id}/edit", {
        "contact_id": donor_id, "amount": "20", "frequency": "monthly", "starts_on": "2026-01-01",
        "ends_on": "2025-12-01", "payment_method": "direct_debit"})
    assert bad.status_code == 422 and "The last gift cannot be due before the first." in bad.get_data(as_text=True)
    assert _post(admin_client, f"/pipeline/recurring/{rg_id}/edit", {
        "contact_id": donor_id, "amount": "20", "frequency": "monthly", "starts_on": "2026-01-01",
        "payment_method": "direct_debit", "reference": "DD-77"}).status_code == 303
    assert "Pause this recurring gift?" in admin_client.get(f"/pipeline/recurring/{rg_id}/pause").get_data(as_text=True)
    assert _post(admin_client, f"/pipeline/recurring/{rg_id}/pause", {}).status_code == 303
    with app.app_context():
        assert db.session.get(RecurringGift, rg_id).status == "paused"
    assert _post(admin_client, f"/pipeline/recurring/{rg_id}/resume", {}).status_code == 303
    assert "End this recurring gift?" in admin_client.get(f"/pipeline/recurring/{rg_id}/end").get_data(as_text=True)
    assert _post(admin_client, f"/pipeline/recurring/{rg_id}/end", {}).status_code == 303
    with app.app_context():
        rg = db.session.get(RecurringGift, rg_id)
        assert (rg.status, rg.ends_on, rg.amount) == ("ended", today(), Decimal("20.00"))
        actions = db.session.scalars(select(AuditEntry.summary).where(
            AuditEntry.object_type == "pipeline_recurring").order_by(AuditEntry.id)).all()
        assert [a.split(" ")[0] for a in actions] == ["Recurring", "Recurring", "Paused", "Resumed", "Ended"]
    form = admin_client.get(f"/pipeline/gifts/new?recurring={rg_id}").get_data(as_text=True)
    assert f'name="contact_id" value="{donor_id}" checked' in form and 'value="DD-77"' in form


def test_unknown_recurring_gift_is_not_found(admin_client):
    for action in ("", "/edit", "/pause", "/resume", "/end"):
        assert admin_client.get(f"/pipeline/recurring/999999{action}").status_code == 404
