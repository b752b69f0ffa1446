"""`campaign.sent` reaches a webhook receiver once per campaign: when the
sending job marks it SENT, never again when a second worker finishes the
same campaign, and with counts and ids only (no body, no addresses)."""

from __future__ import annotations

from app.extensions import db
from modules.marketing.campaign_models import Campaign
from modules.marketing.sending.job import finish
from tests.core.test_webhooks_delivery import add_endpoint, fast, receiver, work  # noqa: F401
from tests.modules.marketing.sending.helpers import campaign_state, make_campaign, run_all


def test_a_campaign_finishing_is_one_event(app, smtp, fast, receiver):  # noqa: F811
    add_endpoint(app, receiver.url, events=("campaign.sent",))
    first = make_campaign(app, 3)
    run_all(app)
    assert campaign_state(app, first)["status"] == "sent"
    with app.app_context():  # a second worker finishing the same campaign changes nothing
        assert finish(db.session.get(Campaign, first)) is False
        db.session.commit()
    work(app)
    assert [r.json["type"] for r in receiver.requests] == ["campaign.sent"]
    data = receiver.requests[0].json["data"]
    assert data["id"] == first and data["object"] == "campaign" and data["status"] == "sent"
    assert (data["recipients"], data["sent"], data["failed"]) == (3, 3, 0)
    assert data["finished_at"].endswith("Z") and "contact_id" not in data
    body = receiver.requests[0].body
    assert b"example.org" not in body and b"thank you" not in body


def test_each_campaign_is_its_own_event(app, smtp, fast, receiver):  # noqa: F811
    add_endpoint(app, receiver.url, events=("campaign.sent",))
    one = make_campaign(app, 2)
    run_all(app)
    with app.app_context():  # the second campaign, with its own sender address
        from modules.marketing.campaign_models import Sender

        db.session.query(Sender).update({"email": "old@park.example.org"})
        db.session.commit()
    two = make_campaign(app, 1)
    run_all(app)
    work(app)
    assert sorted(r.json["data"]["id"] for r in receiver.requests) == [one, two]
