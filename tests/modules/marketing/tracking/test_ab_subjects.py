"""A/B subject tests through the real path: the audience frozen by the
sending job, a random test share split between the subjects, sent to a
real SMTP server; clicks on the received links; after the wait the
recipients' schedule (run as the worker runs it, from the database alone)
picks the winner and the rest get its subject. Every recipient holds one
variant and gets one message."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app import schedules
from app.extensions import db
from app.models import ScheduleState
from app.models.base import utcnow
from modules.marketing import ab, freezing
from modules.marketing.campaign_models import SENT, TESTING, Campaign, Recipient
from tests.modules.marketing.campaign_helpers import campaign, person, segment, verified_sender
from tests.modules.marketing.sending.helpers import deliveries, run_all
from tests.modules.marketing.tracking.helpers import follow, hrefs, messages

BODY = "Hello {{ contact.first_name }}, [give today](https://example.org/give).\n\n[Leave]({{ unsubscribe_url }})"
SUBJECTS = ["Spring appeal", "A warm meal for {{ contact.first_name }}", "Last chance"]


def _ab_campaign(app, n: int, share: int, metric: str = "clicks") -> int:
    with app.app_context():
        for i in range(n):
            person(f"P{i:02d}", f"p{i:02d}@example.org", tags=["Donors"])
        row = campaign({"segments": [segment("Donors", "Donors")]}, subject=SUBJECTS[0], body=BODY,
                       sender_id=verified_sender().id, ab_subjects=SUBJECTS[1:], ab_share=share,
                       ab_wait_minutes=60, ab_metric=metric, track_clicks=True, track_opens=metric == "opens")
        freezing.start_sending(row)
        db.session.commit()
        return row.id


def _subject_of(msg) -> str:
    return str(msg["Subject"])


def _decide_at(app, campaign_id):
    with app.app_context():
        return db.session.get(Campaign, campaign_id).ab_decide_at


def test_the_test_share_is_split_the_winner_by_clicks_goes_to_the_rest_and_nobody_twice(app, smtp, client, admin):
    campaign_id = _ab_campaign(app, 20, 30)
    run_all(app)

    with app.app_context():
        row = db.session.get(Campaign, campaign_id)
        assert row.status == TESTING and row.recipients_total == 20
        variants = Counter(db.session.scalars(select(Recipient.variant).where(Recipient.campaign_id == campaign_id)))
        assert variants == {"a": 2, "b": 2, "c": 2, "": 14}  # 30% of 20, split equally; the rest waits
        decide_at = row.ab_decide_at
        assert decide_at is not None and abs((decide_at - utcnow()) - timedelta(minutes=60)) < timedelta(minutes=1)
        # The schedule is told when to look (no row yet: due at the worker's first look).
        state = db.session.get(ScheduleState, ab.NAME)
        assert state is None or state.next_run_at <= decide_at
    got = messages(smtp)
    assert len(got) == 6
    by_subject = Counter(_subject_of(m).split(" for ")[0] for m in got.values())
    assert by_subject == {"Spring appeal": 2, "A warm meal": 2, "Last chance": 2}

    # One reader of subject B clicks (twice): B has 1 of 2, the others 0.
    b_reader = next(m for m in got.values() if _subject_of(m).startswith("A warm meal"))
    link = next(h for h in hrefs(b_reader) if "/marketing/r/" in h)
    assert follow(client, link).headers["Location"] == "https://example.org/give"
    follow(client, link)

    with app.app_context():  # before its time: nothing is decided
        schedules.run_due(only=ab.NAME)
        assert db.session.get(Campaign, campaign_id).status == TESTING
        # The hour passes (while the worker is down, say).
        db.session.get(Campaign, campaign_id).ab_decide_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    with app.app_context():  # a restarted worker: only the database knows the test
        schedules.run_due(only=ab.NAME)
        db.session.remove()
    run_all(app)

    with app.app_context():
        row = db.session.get(Campaign, campaign_id)
        assert (row.status, row.ab_winner, row.sent_count) == (SENT, "b", 20)
        variants = Counter(db.session.scalars(select(Recipient.variant).where(Recipient.campaign_id == campaign_id)))
        assert variants == {"a": 2, "b": 2, "c": 2, "B": 14}  # one variant each: 6 tested + 14 sent the winner
        assert sum(variants.values()) == 20
    assert deliveries(smtp) == {f"p{i:02d}@example.org": 1 for i in range(20)}  # nobody twice, nobody left out
    final = Counter(_subject_of(message).split(" for ")[0] for message in messages(smtp).values())
    assert final == {"Spring appeal": 2, "A warm meal": 16, "Last chance": 2}

    login_page = client.get(f"/marketing/campaigns/{campaign_id}")
    assert login_page.status_code in (302, 303)  # staff only
    from tests.conftest import login

    login(client, admin.email)
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Winner: subject B" in page
    assert '<th scope="row">B (winner)</th>' in page and "50.0%" in page


def test_a_tie_goes_to_the_first_subject(app, smtp):
    campaign_id = _ab_campaign(app, 9, 50)
    run_all(app)
    decide_at = _decide_at(app, campaign_id)
    with app.app_context():
        variants = Counter(db.session.scalars(select(Recipient.variant).where(Recipient.campaign_id == campaign_id)))
        assert variants == {"a": 2, "b": 1, "c": 1, "": 5}  # round(4.5) is 4, dealt in turn: 2/1/1
    with app.app_context():
        ab.decide_due(decide_at + timedelta(seconds=1))  # nobody clicked: a tie at 0
        db.session.remove()
    run_all(app)
    with app.app_context():
        row = db.session.get(Campaign, campaign_id)
        assert (row.status, row.ab_winner) == (SENT, "a")
    assert deliveries(smtp) == {f"p{i:02d}@example.org": 1 for i in range(9)}
