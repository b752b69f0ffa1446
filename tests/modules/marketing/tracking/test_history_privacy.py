"""A contact's campaign history in merges and privacy requests (through the
contacts module's own services): a merge moves it to the survivor (the
filter criteria follow), the export lists it, and erasure removes the
address and the bounce's words while the campaign's counts stay."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from modules.contacts.dedupe import merge
from modules.contacts.people import privacy, records
from modules.marketing.campaign_models import Campaign, Event, Recipient
from modules.marketing.tracking import stats
from tests.modules.marketing.tracking.data import history
from tests.modules.marketing.tracking.test_filters_and_timeline import _names


def test_merge_moves_the_campaign_history_to_the_survivor(app, admin):
    with app.test_request_context():
        h = history()
        eve, bob = h["people"]["Eve"], h["people"]["Bob"]
        merge.merge(records.load(eve), records.load(bob), {})
        db.session.commit()
        assert _names(f"campaign_clicked:is:{h['appeal']}") == {"Ann", "Eve"}
        assert db.session.scalars(select(Recipient.contact_id).where(Recipient.email == "bob@example.org")).all() \
            == [eve]


def test_export_lists_the_campaigns_and_erasure_keeps_only_the_counts(app, admin):
    with app.test_request_context():
        h = history()
        cat = h["people"]["Cat"]
        db.session.commit()
        section = privacy.export_data(records.load(cat))["modules"]["marketing"]["campaigns"]
        assert [(c["campaign"], c["email"], [e["what"] for e in c["events"]]) for c in section] == [
            ("Spring appeal", "cat@example.org", ["open_machine"]),
            ("June news", "cat@example.org", ["bounce_hard"])]
        before = stats.for_campaign(db.session.get(Campaign, h["news"]))
        privacy.erase(records.load(cat))
        db.session.commit()
        rows = db.session.execute(select(Recipient.email, Recipient.status).where(Recipient.contact_id == cat)).all()
        assert rows == [("", "sent"), ("", "sent")]
        assert db.session.scalars(select(Event.detail).where(Event.kind == "bounce_hard")).all() == [""]
        after = stats.for_campaign(db.session.get(Campaign, h["news"]))
        assert (after.sent, after.bounce_hard, after.open_human) == (before.sent, before.bounce_hard, 1) == (3, 1, 1)
