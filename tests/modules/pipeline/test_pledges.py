"""Pledges: payments allocated to installments in due-date order, the pledge
page, recording a payment through the gift form, cancelling."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import gifts, pledges
from modules.pipeline.giving_forms import today
from modules.pipeline.models import Gift, Pledge
from tests.conftest import counted_queries, csrf_from


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, url)})


@pytest.fixture
def donor_id(app):
    with app.app_context():
        person = records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
        db.session.commit()
        return person.id


def _pledge(donor_id, total="300", count=3, first=date(2026, 1, 1)):
    schedule = gifts.installment_schedule(Decimal(total), count, first, "monthly")
    return gifts.record_pledge(contact_id=donor_id, amount=Decimal(total), pledged_on=first, schedule=schedule)


def test_payments_fill_installments_in_due_date_order(ctx, donor_id):
    pledge = _pledge(donor_id, "300.01", 3)
    gifts.record_gift(contact_id=donor_id, amount=Decimal("150"), received_on=date(2026, 1, 20), pledge_id=pledge.id)
    db.session.commit()
    plan = pledges.allocation(pledge, today=date(2026, 2, 10))
    assert [(r.installment.due_on, r.installment.amount, r.paid, r.state) for r in plan.rows] == [
        (date(2026, 1, 1), Decimal("100.00"), Decimal("100.00"), "paid"),
        (date(2026, 2, 1), Decimal("100.00"), Decimal("50.00"), "partly_overdue"),
        (date(2026, 3, 1), Decimal("100.01"), Decimal("0.00"), "due"),
    ]
    assert (plan.paid, plan.outstanding, plan.overdue, plan.next_due_amount) == (
        Decimal("150.00"), Decimal("150.01"), Decimal("50.00"), Decimal("50.00"))
    assert pledges.allocation(pledge, today=date(2026, 1, 15)).rows[1].state == "partly"
    assert pledges.allocation(pledge, today=date(2026, 4, 1)).rows[2].state == "overdue"


def test_a_pledge_through_its_pages(admin_client, app, donor_id):
    response = _post(admin_client, "/pipeline/pledges/new", {
        "contact_id": donor_id, "amount": "1,200", "pledged_on": "2026-01-01", "installments": "4",
        "frequency": "quarterly", "first_due": "2026-01-15", "notes": "Four quarterly gifts"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        pledge = db.session.scalars(select(Pledge)).one()
        assert [(i.due_on, i.amount) for i in pledge.installments] == [
            (date(2026, 1, 15), Decimal("300.00")), (date(2026, 4, 15), Decimal("300.00")),
            (date(2026, 7, 15), Decimal("300.00")), (date(2026, 10, 15), Decimal("300.00"))]
        pledge_id = pledge.id
    page = admin_client.get(f"/pipeline/pledges/{pledge_id}").get_data(as_text=True)
    assert "Pledge of $1,200.00" in page and "Ada Lovelace" in page and page.count("15 ") >= 4
    assert f'href="/pipeline/gifts/new?pledge={pledge_id}"' in page
    # "Record a payment" prefills the gift form with the donor, the pledge and the next installment.
    form = admin_client.get(f"/pipeline/gifts/new?pledge={pledge_id}").get_data(as_text=True)
    assert f'name="contact_id" value="{donor_id}" checked' in form
    assert re.search(rf'<option selected value="{pledge_id}">|<option value="{pledge_id}" selected>', form)
    assert 'value="300.00"' in form
    paid = _post(admin_client, "/pipeline/gifts/new", {
        "contact_id": donor_id, "amount": "450", "received_on": "2026-02-01", "pledge_id": pledge_id,
        "sc_count": "0"})
    assert paid.status_code == 303, paid.get_data(as_text=True)[:2000]
    page = admin_client.get(f"/pipeline/pledges/{pledge_id}").get_data(as_text=True)
    assert "Partly paid" in page and "$750.00" in page  # outstanding
    assert "$450.00 on 1 Feb 2026" in page
    listing = admin_client.get("/pipeline/pledges/").get_data(as_text=True)
    assert "$1,200.00" in listing and "$450.00" in listing and "$750.00" in listing
    # Paying the rest fulfils it.
    with app.app_context():
        gifts.record_gift(contact_id=donor_id, amount=Decimal("750"), received_on=date(2026, 3, 1),
                          pledge_id=pledge_id)
        db.session.commit()
        assert db.session.get(Pledge, pledge_id).status == "fulfilled"
    assert "Fulfilled" in admin_client.get(f"/pipeline/pledges/{pledge_id}").get_data(as_text=True)
    # Deleting a payment reopens it.
    with app.app_context():
        gift_id = db.session.scalar(select(Gift.id).where(Gift.amount == Decimal("750")))
    assert _post(admin_client, f"/pipeline/gifts/{gift_id}/delete", {}).status_code == 303
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "open"


def test_new_pledge_errors_by_their_fields(admin_client):
    response = _post(admin_client, "/pipeline/pledges/new", {"amount": "0", "pledged_on": "", "installments": "0",
                                                             "frequency": "monthly", "first_due": "2026-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Search for the donor and choose them.", "The amount must be more than zero.",
                    "Enter the date of the pledge.", "Between 1 and 120 installments."):
        assert message in html, message


def test_cancelling_asks_first_keeps_payments_and_is_audited(admin_client, app, donor_id):
    with app.app_context():
        pledge = _pledge(donor_id, "300", 3, today() - timedelta(days=90))
        gifts.record_gift(contact_id=donor_id, amount=Decimal("100"), received_on=today(), pledge_id=pledge.id)
        db.session.commit()
        pledge_id = pledge.id
    url = f"/pipeline/pledges/{pledge_id}/cancel"
    question = admin_client.get(url).get_data(as_text=True)
    assert "Cancel this pledge?" in question and "$200.00 outstanding" in question
    assert _post(admin_client, url, {}).status_code == 303
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "cancelled"
        assert db.session.scalar(select(db.func.count(Gift.id))) == 1
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "pipeline_pledge",
                                                            AuditEntry.action == "update")).one()
        assert entry.changes == {"status": ["open", "cancelled"]}
    page = admin_client.get(f"/pipeline/pledges/{pledge_id}").get_data(as_text=True)
    assert "Cancelled" in page and "Record a payment" not in page and "Overdue" not in page


def test_pledge_list_queries_do_not_grow_with_rows(admin_client, app, donor_id):
    with app.app_context():
        _pledge(donor_id)
        db.session.commit()
    with counted_queries(app) as few:
        admin_client.get("/pipeline/pledges/")
    with app.app_context():
        for _ in range(20):
            pledge = _pledge(donor_id)
            gifts.record_gift(contact_id=donor_id, amount=Decimal("10"), received_on=date(2026, 1, 2),
                              pledge_id=pledge.id)
        db.session.commit()
    with counted_queries(app) as many:
        html = admin_client.get("/pipeline/pledges/").get_data(as_text=True)
    assert len(many) == len(few) and html.count("$290.00") == 20


def test_unknown_pledge_is_not_found(admin_client):
    for url in ("/pipeline/pledges/999999", "/pipeline/pledges/999999/cancel"):
        assert admin_client.get(url).status_code == 404
