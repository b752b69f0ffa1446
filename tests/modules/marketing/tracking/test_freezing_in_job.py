"""Freezing moved out of the request into the sending job: "Send" writes no
recipient row however large the audience (it answers at once), the job
freezes and sends, a job that runs again after a crash never doubles the
audience, and a job lost with Redis is handed on by the watch."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job
from modules.marketing import freezing
from modules.marketing.campaign_models import FREEZING, SENT, Campaign, Recipient
from modules.marketing.sending import recover
from tests.conftest import counted_queries, post_form
from tests.modules.marketing.campaign_helpers import campaign, person, segment, verified_sender
from tests.modules.marketing.sending.helpers import deliveries, run_all


def _campaign(app, n: int) -> int:
    with app.app_context():
        for i in range(n):
            person(f"P{i}", f"p{i:03d}@example.org", tags=["News"])
        row = campaign({"segments": [segment("News", "News")]}, sender_id=verified_sender().id,
                       body="Hi [x](https://example.org) [Leave]({{ unsubscribe_url }})")
        db.session.commit()
        return row.id


def _count(app, campaign_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Recipient).where(
            Recipient.campaign_id == campaign_id))


def test_send_writes_no_recipient_and_the_job_freezes_and_sends(app, admin_client, smtp):
    campaign_id = _campaign(app, 120)
    url = f"/marketing/campaigns/{campaign_id}/send"
    with counted_queries(app) as statements:
        answer = post_form(admin_client, url, {}, page=url)
    assert answer.status_code == 303
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT INTO MARKETING_RECIPIENT")]
    assert _count(app, campaign_id) == 0
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == FREEZING
    run_all(app)
    assert _count(app, campaign_id) == 120
    assert deliveries(smtp) == {f"p{i:03d}@example.org": 1 for i in range(120)}
    with app.app_context():
        row = db.session.get(Campaign, campaign_id)
        assert (row.status, row.recipients_total, row.sent_count) == (SENT, 120, 120)


def test_freezing_again_never_doubles_the_audience(app, smtp):
    campaign_id = _campaign(app, 5)
    with app.app_context():
        row = db.session.get(Campaign, campaign_id)
        freezing.start_sending(row)
        db.session.commit()
        # A crashed run that had written rows, then its job runs again.
        db.session.add(Recipient(campaign_id=campaign_id, email="stray@example.org"))
        db.session.commit()
        assert freezing.freeze_in_job(db.session.get(Campaign, campaign_id)) is True
    assert _count(app, campaign_id) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Recipient).where(
            Recipient.email == "stray@example.org")) == 0


def test_a_freezing_campaign_whose_job_was_lost_is_handed_on(app, smtp):
    campaign_id = _campaign(app, 3)
    with app.app_context():
        freezing.start_sending(db.session.get(Campaign, campaign_id))
        db.session.commit()
        lost = db.session.get(Campaign, campaign_id).job_id
        db.session.get(Job, lost).status = Job.FAILED
        db.session.commit()
        found = recover.restart_stranded()
        assert found["handed"] == [campaign_id] and db.session.get(Campaign, campaign_id).job_id != lost
    run_all(app)
    assert len(deliveries(smtp)) == 3
