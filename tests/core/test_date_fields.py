"""Dates that do not exist are named for what they are (issue 16 part 2,
item 3): "30 February 2025 does not exist.", "There is no month 13.",
"Write the date as YYYY-MM-DD."; the field keeps what was typed; a required
date's "enter the date" does not replace that message; nothing is saved.
Checked in the core reader, the gift and pledge forms, a contact's birth
date and a date custom field."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.forms import DateProblem, read_date
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.pipeline.models import Gift, Pledge
from tests.conftest import post_form
from tests.modules.contacts.test_contact_forms import custom_field


@pytest.mark.parametrize(("typed", "message"), [
    ("2025-02-30", "30 February 2025 does not exist."),
    ("2024-02-30", "30 February 2024 does not exist."),
    ("2025-04-31", "31 April 2025 does not exist."),
    ("2025-13-01", "There is no month 13."),
    ("2025-00-10", "There is no month 0."),
    ("next tuesday", "Write the date as YYYY-MM-DD."),
    ("30/02/2025", "Write the date as YYYY-MM-DD."),
])
def test_the_reader_names_the_actual_problem(typed, message):
    with pytest.raises(DateProblem) as problem:
        read_date(typed)
    assert str(problem.value) == message


def test_the_reader_reads_real_dates_and_blanks():
    assert read_date("2024-02-29") == date(2024, 2, 29)
    assert read_date(" 2025-3-1 ") == date(2025, 3, 1)
    assert read_date("") is None and read_date(None) is None


@pytest.fixture
def donor(app):
    with app.app_context():
        grace = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        db.session.commit()
        return grace.id


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("typed", "message"), [
    ("2025-02-30", "30 February 2025 does not exist."),
    ("2025-13-01", "There is no month 13."),
    ("soon", "Write the date as YYYY-MM-DD."),
    ("", "Enter the date the gift was received."),
])
def test_a_gift_date_keeps_what_was_typed_and_says_what_is_wrong(admin_client, app, donor, typed, message):
    response = post_form(admin_client, "/pipeline/gifts/new", {
        "contact_id": donor, "amount": "25", "received_on": typed, "sc_count": "0"})
    html = response.get_data(as_text=True)
    assert f'id="received_on-error">{message}</p>' in html
    assert html.count('class="error"') == 1  # no nearby rule's message besides it
    assert re.search(rf'<input[^>]*name="received_on"[^>]*type="date" value="{typed}"', html)
    assert _count(app, Gift) == 0


def test_a_pledge_names_the_impossible_first_due_date(admin_client, app, donor):
    response = post_form(admin_client, "/pipeline/pledges/new", {
        "contact_id": donor, "amount": "1200", "pledged_on": "2025-02-29", "installments": "4",
        "frequency": "quarterly", "first_due": "2025-06-31"})
    html = response.get_data(as_text=True)
    assert 'id="pledged_on-error">29 February 2025 does not exist.</p>' in html
    assert 'id="first_due-error">31 June 2025 does not exist.</p>' in html
    assert _count(app, Pledge) == 0


def test_a_birth_date_names_the_problem_not_a_nearby_rule(admin_client, app):
    kinds = {"2025-02-30": "30 February 2025 does not exist.", "1990-13-01": "There is no month 13.",
             "2990-01-01": "A birth date cannot be in the future."}
    for typed, message in kinds.items():
        response = post_form(admin_client, "/contacts/new?kind=person", {
            "first_name": "Ann", "last_name": "Smith", "birth_date": typed})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="birth_date-error">{message}' in html and f'value="{typed}"' in html
    assert _count(app, Contact) == 0


def test_a_date_custom_field_names_the_problem(admin_client, app):
    field = custom_field(app, key="joined", label="Joined", type="date")
    response = post_form(admin_client, "/contacts/new?kind=person", {
        "first_name": "Ann", "last_name": "Smith", f"cf_{field}": "2025-02-30"})
    assert response.status_code == 422
    assert f'id="cf_{field}-error">30 February 2025 does not exist.' in response.get_data(as_text=True)
    assert _count(app, Contact) == 0
