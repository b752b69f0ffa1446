"""Editing a pledge: the form a fundraiser corrects a pledge with (amount,
date, schedule, fund, appeal, notes), linked from the pledge's page; the
schedule is laid out again when it changes; the amount never goes below
what is already paid. (Two people editing one pledge: test_money_edit_conflicts.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from modules.contacts.people import records
from modules.pipeline import gifts, pledges
from modules.pipeline.models import Fund, Pledge
from tests.forms import changed, form_data


@pytest.fixture
def pledge_id(app):
    with app.app_context():
        donor = records.create("person", {"first_name": "Mary", "last_name": "Seacole"})
        schedule = gifts.installment_schedule(Decimal("1200"), 4, date(2026, 2, 1), "quarterly")
        pledge = gifts.record_pledge(contact_id=donor.id, amount=Decimal("1200"), pledged_on=date(2026, 1, 20),
                                     schedule=schedule)
        db.session.commit()
        return pledge.id


def _installments(app, pledge_id) -> list[tuple[date, Decimal]]:
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        out = [(i.due_on, i.amount) for i in pledge.installments]
        db.session.remove()
        return out


def test_the_pledge_page_links_to_a_form_showing_the_schedule(app, admin_client, pledge_id):
    shown = admin_client.get(f"/pipeline/pledges/{pledge_id}").get_data(as_text=True)
    assert f'href="/pipeline/pledges/{pledge_id}/edit">Edit pledge</a>' in shown
    url = f"/pipeline/pledges/{pledge_id}/edit"
    data = form_data(admin_client.get(url).get_data(as_text=True), url)
    assert (data["amount"], data["pledged_on"], data["installments"], data["frequency"], data["first_due"]) == \
        ("1,200.00", "2026-01-20", "4", "quarterly", "2026-02-01")


def test_changing_the_schedule_lays_the_installments_out_again(app, admin_client, pledge_id):
    url = f"/pipeline/pledges/{pledge_id}/edit"
    with app.app_context():
        fund_id = db.session.scalar(select(Fund.id).where(Fund.name == "General fund"))
    data = form_data(admin_client.get(url).get_data(as_text=True), url)

    saved = admin_client.post(url, data=changed(data, amount="1,000", installments="3", frequency="monthly",
                                                first_due="2026-03-01", fund_id=str(fund_id), notes="Revised"),
                              follow_redirects=True)

    assert saved.status_code == 200 and "Saved the pledge." in saved.get_data(as_text=True)
    assert _installments(app, pledge_id) == [(date(2026, 3, 1), Decimal("333.33")),
                                             (date(2026, 4, 1), Decimal("333.33")),
                                             (date(2026, 5, 1), Decimal("333.34"))]
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert (pledge.amount, pledge.fund_id, pledge.notes) == (Decimal("1000.00"), fund_id, "Revised")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "pipeline_pledge",
                                                           AuditEntry.action == "update"))
        assert set(entry.changes) == {"amount", "fund_id", "notes", "installments", "frequency", "first_due"}


def test_notes_alone_leave_the_installments_as_they_are(app, admin_client, pledge_id):
    url = f"/pipeline/pledges/{pledge_id}/edit"
    before = _installments(app, pledge_id)
    data = form_data(admin_client.get(url).get_data(as_text=True), url)
    assert admin_client.post(url, data=changed(data, notes="Called to thank")).status_code == 303
    assert _installments(app, pledge_id) == before
    with app.app_context():
        assert pledges.schedule_values(db.session.get(Pledge, pledge_id))["frequency"] == "quarterly"


def test_the_amount_cannot_go_below_what_is_paid(app, admin_client, pledge_id):
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        gifts.record_gift(contact_id=pledge.contact_id, amount=Decimal("500"), received_on=date(2026, 2, 1),
                          pledge_id=pledge_id)
        db.session.commit()
    url = f"/pipeline/pledges/{pledge_id}/edit"
    data = form_data(admin_client.get(url).get_data(as_text=True), url)

    refused = admin_client.post(url, data=changed(data, amount="400", notes="Reduced"))

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert '<p class="error" id="amount-error">$500.00 is already paid on this pledge; ' \
           "the amount cannot be less than that.</p>" in html
    assert form_data(html, url)["amount"] == "400"  # what was typed stays
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert (pledge.amount, pledge.notes) == (Decimal("1200.00"), "")
    # Down to exactly what is paid is allowed, and fulfils the pledge.
    assert admin_client.post(url, data=changed(data, amount="500")).status_code == 303
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).status == "fulfilled"


def test_a_cancelled_pledge_is_not_edited(app, admin_client, pledge_id):
    with app.app_context():
        pledges.cancel(db.session.get(Pledge, pledge_id))
        db.session.commit()
    page = admin_client.get(f"/pipeline/pledges/{pledge_id}").get_data(as_text=True)
    assert "Edit pledge" not in page
    answer = admin_client.get(f"/pipeline/pledges/{pledge_id}/edit", follow_redirects=True)
    assert "a cancelled pledge is not edited" in answer.get_data(as_text=True)
