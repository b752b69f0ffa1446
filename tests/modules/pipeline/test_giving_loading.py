"""Loading a pledge or a recurring gift for its page and its actions: the
donor, fund and appeal come in the same query; an unknown id is a 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.exceptions import NotFound

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts, recurring
from modules.pipeline.models import Appeal, Fund, Pledge, RecurringGift
from modules.pipeline.views.loading import with_donor_or_404
from tests.conftest import counted_queries


@pytest.fixture
def record_ids(app):
    """A pledge and a recurring gift from one donor, both with a fund and an appeal."""
    with app.app_context():
        donor = records.create("person", {"first_name": "Grace", "last_name": "Hopper"})
        fund, appeal = Fund(name="Building fund"), Appeal(name="Spring letter")
        db.session.add_all([fund, appeal])
        db.session.flush()
        pledge = gifts.record_pledge(contact_id=donor.id, amount=Decimal("100"), pledged_on=date(2026, 1, 1),
                                     schedule=[(date(2026, 1, 1), Decimal("100"))], fund_id=fund.id,
                                     appeal_id=appeal.id)
        rg = recurring.create(contact_id=donor.id, amount=Decimal("10"), frequency="monthly",
                              starts_on=date(2026, 1, 1), fund_id=fund.id, appeal_id=appeal.id)
        db.session.commit()
        return {Pledge: pledge.id, RecurringGift: rg.id}


@pytest.mark.parametrize("model", [Pledge, RecurringGift])
def test_one_query_brings_the_donor_fund_and_appeal(app, record_ids, model):
    with app.app_context(), counted_queries(app) as statements:
        record = with_donor_or_404(model, record_ids[model])
        shown = (record.contact.display_name, record.fund.name, record.appeal.name)
    assert shown == ("Grace Hopper", "Building fund", "Spring letter")
    assert len(statements) == 1


@pytest.mark.parametrize("model", [Pledge, RecurringGift])
def test_an_unknown_id_is_not_found(app, record_ids, model):
    with app.app_context(), pytest.raises(NotFound):
        with_donor_or_404(model, max(record_ids.values()) + 1000)
