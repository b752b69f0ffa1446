"""Pipeline's domain events: one `gift_recorded` per gift, one
`opportunity_stage_changed` per stage entered, sent with what listeners
(webhooks, marketing sequences) need."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from modules.contacts.people import records
from modules.pipeline import gifts, signals
from modules.pipeline import opportunities as service
from modules.pipeline.models import Pipeline, Stage


def test_each_recorded_gift_is_announced_once_with_its_user(ctx):
    donor = records.create("person", {"first_name": "Ada", "last_name": "Lovelace"})
    db.session.flush()
    heard = []

    def listener(gift, **kw):
        heard.append((gift.id, gift.contact_id, kw["user"]))

    with signals.gift_recorded.connected_to(listener):
        first = gifts.record_gift(contact_id=donor.id, amount=Decimal("5"), received_on=date(2026, 3, 1))
        second = gifts.record_gift(contact_id=donor.id, amount=Decimal("7"), received_on=date(2026, 3, 2))
    assert heard == [(first.id, donor.id, None), (second.id, donor.id, None)]


def test_a_stage_change_names_the_stage_left_and_the_stage_entered(ctx):
    contact = records.create("person", {"first_name": "Alan", "last_name": "Turing"})
    pipeline = db.session.scalars(db.select(Pipeline).order_by(Pipeline.id)).first()
    first, second = db.session.scalars(db.select(Stage).where(Stage.pipeline_id == pipeline.id)
                                       .order_by(Stage.position)).all()[:2]
    heard = []

    def listener(opp, **kw):
        heard.append((opp.id, kw["previous"].id if kw["previous"] else None, kw["stage"].id))

    with signals.opportunity_stage_changed.connected_to(listener):
        opp = service.create(stage=first, contact_id=contact.id, name="Gift", amount=Decimal("100"))
        service.move(opp, second)
        service.move(opp, second)  # already there: no event
    assert heard == [(opp.id, None, first.id), (opp.id, first.id, second.id)]


def test_a_module_that_does_not_import_pipeline_hears_it_by_name():
    import blinker

    assert blinker.signal("pipeline-gift-recorded") is signals.gift_recorded
    assert blinker.signal("pipeline-opportunity-stage-changed") is signals.opportunity_stage_changed
