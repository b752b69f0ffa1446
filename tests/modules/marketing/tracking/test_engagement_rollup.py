"""Engagement decay's rollup (modules/marketing/engagement.py) kept by the
writers: two campaigns sent by the sending job to a real SMTP server, a
click through the tracking redirect, an open by a person, a merge and a
purge. After each the rollup equals a full recomputation, holds exactly
the messages that count (none lost, none twice), and the report reads it.
An install with a history from before the rollup reads the recipients
until `flask reports rebuild` builds it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from app.extensions import db
from modules.contacts.dedupe import merge
from modules.contacts.models import Contact
from modules.contacts.people import records
from modules.marketing import engagement
from modules.marketing.campaign_models import DRAFT, SENT_ROW, Campaign, EngagementState, EngagementStep, Recipient
from modules.marketing.reports import campaigns as campaign_reports
from modules.marketing.sending import control
from modules.marketing.tracking import record
from tests.modules.marketing.sending.helpers import make_campaign, run_all
from tests.modules.marketing.tracking.helpers import follow, hrefs, messages

BODY = "Dear {{ contact.first_name }}, read [the appeal](https://example.org/appeal)."
PERSON = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0"


def _again(app, first_id: int) -> int:
    """A second campaign frozen to the first one's people, sent."""
    with app.app_context():
        first = db.session.get(Campaign, first_id)
        second = Campaign(name="Summer appeal", subject="Summer", body=BODY, format="markdown",
                          sender_id=first.sender_id, status=DRAFT, track_clicks=True)
        db.session.add(second)
        db.session.flush()
        people = db.session.execute(select(Recipient.contact_id, Recipient.email)
                                    .where(Recipient.campaign_id == first_id).order_by(Recipient.id)).all()
        rows = [Recipient(campaign_id=second.id, contact_id=cid, email=email) for cid, email in people]
        db.session.add_all(rows)
        db.session.flush()
        second.frozen_max_id, second.recipients_total = max(r.id for r in rows), len(rows)
        db.session.commit()
        control.start(second.id)
        db.session.commit()
        return second.id


def _check(app, expected_sequence: list[tuple]) -> None:
    """The rollup equals the recomputation and the expected steps; it counts
    every sent message once; the report shows it."""
    with app.app_context():
        assert engagement.built() and engagement.in_step()
        assert engagement.steps(engagement.BY_SEQUENCE) == expected_sequence
        counted = db.session.scalar(select(func.count()).select_from(Recipient).where(
            Recipient.status == SENT_ROW, Recipient.contact_id.is_not(None)))
        for by in (engagement.BY_SEQUENCE, engagement.BY_MONTHS):
            assert sum(r for _, r, _, _ in engagement.steps(by)) == counted
        table = campaign_reports.engagement_decay({"by": "sequence"})[0]
        assert [row[:3] + row[4:5] for row in table.result.rows] == expected_sequence
        assert not any("flask reports rebuild" in note for note in table.result.notes)


def test_the_writers_keep_the_rollup_equal_to_a_recomputation(app, smtp, client, admin):
    first = make_campaign(app, 3, body=BODY, start=False)
    with app.app_context():
        db.session.get(Campaign, first).track_clicks = True
        db.session.commit()
        control.start(first)
        db.session.commit()
    run_all(app)
    _check(app, [(1, 3, 0, 0)])

    second = _again(app, first)
    run_all(app)
    _check(app, [(1, 3, 0, 0), (2, 3, 0, 0)])

    # person0 clicks in the second campaign's message, twice, and opens it; a scanner's open is not a person's.
    with app.app_context():
        row = db.session.execute(select(Recipient.id, Recipient.contact_id).where(
            Recipient.campaign_id == second, Recipient.email == "person0@example.org")).one()
        people = [c for c, in db.session.execute(select(Recipient.contact_id).where(
            Recipient.campaign_id == first).order_by(Recipient.id))]
    second_message = messages(smtp)["person0@example.org"]  # the later of their two
    assert second_message["Subject"] == "Summer"
    link = [h for h in hrefs(second_message) if "/marketing/r/" in h][0]
    assert follow(client, link).headers["Location"] == "https://example.org/appeal"
    assert follow(client, link).headers["Location"] == "https://example.org/appeal"
    _check(app, [(1, 3, 0, 0), (2, 3, 0, 1)])
    with app.app_context():
        assert record.open_(second, row.id, "curl/8.5", "203.0.113.9").kind == "open_machine"
        assert record.open_(second, row.id, PERSON, "203.0.113.9").kind == "open_human"
        assert record.open_(second, row.id, PERSON, "203.0.113.9").kind == "open_human"  # counted once
    _check(app, [(1, 3, 0, 0), (2, 3, 1, 1)])

    # Merging person1 into person0: person0 has received four messages, in sending order.
    with app.app_context():
        merge.merge(records.load(people[0]), records.load(people[1]), {})
        db.session.commit()
    _check(app, [(1, 2, 0, 0), (2, 2, 0, 0), (3, 1, 1, 1), (4, 1, 0, 0)])

    # Purging person2 for good: their two messages leave the rollup (their rows stay, without a contact).
    with app.app_context():
        records.trash([db.session.get(Contact, people[2])])
        db.session.commit()
        records.purge([db.session.get(Contact, people[2])])
        db.session.commit()
    _check(app, [(1, 1, 0, 0), (2, 1, 0, 0), (3, 1, 1, 1), (4, 1, 0, 0)])


def test_a_history_from_before_the_rollup_is_read_until_it_is_rebuilt(app, smtp):
    first = make_campaign(app, 2, body=BODY)
    run_all(app)
    with app.app_context():  # as after upgrading an install that had sent campaigns
        db.session.execute(delete(EngagementStep))
        db.session.execute(delete(EngagementState))
        db.session.commit()
    _again(app, first)
    run_all(app)
    with app.app_context():
        assert not engagement.built() and db.session.scalar(select(func.count()).select_from(EngagementStep)) == 0
        table = campaign_reports.engagement_decay({"by": "sequence"})[0]
        assert [row[:3] for row in table.result.rows] == [(1, 2, 0), (2, 2, 0)]
        assert any("flask reports rebuild" in note for note in table.result.notes)

    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert engagement.built() and engagement.in_step()
        assert engagement.steps(engagement.BY_SEQUENCE) == [(1, 2, 0, 0), (2, 2, 0, 0)]
        assert sum(r for _, r, _, _ in engagement.steps(engagement.BY_MONTHS)) == 4


def test_a_batch_appends_each_persons_newest_messages_at_their_next_steps(app, smtp):
    """Sending adds each message at the step after the person's last one
    and at the months since their first, without rereading the history:
    a history begun three months ago, and one person reached twice in one
    batch (one message per student of a guardian), land where the full
    recomputation puts them."""
    first = make_campaign(app, 3, body=BODY)
    run_all(app)
    with app.app_context():
        rows = db.session.scalars(select(Recipient).where(Recipient.campaign_id == first)).all()
        for row in rows:  # the first campaign went out three months ago
            row.sent_at = row.sent_at.replace(day=1) - timedelta(days=80)
        db.session.commit()
        engagement.rebuild()
        db.session.commit()
        second = db.session.get(Campaign, _again(app, first))
        twice = db.session.scalars(select(Recipient).where(Recipient.campaign_id == second.id)
                                   .order_by(Recipient.id)).first()
        extra = Recipient(campaign_id=second.id, contact_id=twice.contact_id, email="guardian-again@example.org")
        db.session.add(extra)
        db.session.flush()
        second.frozen_max_id, second.recipients_total = extra.id, 4
        db.session.commit()
    run_all(app)
    _check(app, [(1, 3, 0, 0), (2, 3, 0, 0), (3, 1, 0, 0)])
    with app.app_context():
        months = engagement.steps(engagement.BY_MONTHS)
        assert months[0] == (0, 3, 0, 0) and sum(r for _, r, _, _ in months) == 7
        assert [step for step, *_ in months][1] >= 2  # the second campaign, months after the first
