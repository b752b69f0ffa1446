"""The history `flask seed` adds to marketing (seed_history.py): past
campaigns whose counts match their recipient rows and events, the
unsubscribed out of the topic with a ledger row, hard bounces suppressed,
and sequences with people at each step and none of them overdue (seeding
must not make the worker send a flood of demo mail). Seeding again adds
no second copy."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app.extensions import db
from app.seed import module_rng
from modules.contacts import seed as contacts_seed
from modules.contacts.models import OPT_OUT, ConsentEntry
from modules.marketing import seed as marketing_seed
from modules.marketing.campaign_models import Campaign, Click, Event, Link, Recipient
from modules.marketing.models import UNSUBSCRIBED, Subscription, Suppression
from modules.marketing.sequences import sending
from modules.marketing.sequences.models import Enrolment, Sequence, Step
from modules.marketing.tracking import tally

N = 1000


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seeded_campaigns_events_and_sequences_hang_together(app):
    with app.app_context():
        contacts_seed.seed(N, module_rng(5, "contacts"), lambda *a, **k: None)
        marketing_seed.seed(N, module_rng(5, "marketing"), lambda *a, **k: None)

        campaigns = db.session.scalars(select(Campaign).where(Campaign.status == "sent").order_by(Campaign.id)).all()
        assert [c.name for c in campaigns] == ["Spring newsletter", "Summer appeal", "Autumn newsletter",
                                               "Winter appeal"]
        for c in campaigns:
            rows = _count(Recipient, Recipient.campaign_id == c.id)
            assert rows > 100 and c.recipients_total == c.sent_count == rows
            assert c.cursor == c.frozen_max_id
        kinds = Counter(db.session.scalars(select(Event.kind)))
        assert {"delivered", "bounce_hard", "bounce_soft", "unsubscribe"} <= set(kinds)
        # Clicks are rows of marketing_click on the campaign's own link, as the redirect records them.
        clicked = db.session.execute(select(Click.campaign_id, Link.campaign_id, Link.url)
                                     .join(Link, Link.id == Click.link_id)).all()
        assert len(clicked) > kinds["bounce_hard"]
        bodies = {c.id: c.body for c in campaigns}
        assert all(mine == theirs and url in bodies[mine] for mine, theirs, url in clicked)
        assert {mine for mine, _, _ in clicked} == {c.id for c in campaigns}
        assert kinds["delivered"] > 10 * kinds["bounce_hard"]
        # Every campaign's tally is there (the pages read it) and equals its events and clicks.
        kept = tally.stored()
        assert set(kept) == set(db.session.scalars(select(Campaign.id))) and tally.in_step()
        assert sum(row["bounce_hard"] for row in kept.values()) == kinds["bounce_hard"]

        # Each unsubscribe event left the topic, with its ledger row; each hard bounce is suppressed.
        unsubscribed = _count(Subscription, Subscription.status == UNSUBSCRIBED)
        assert unsubscribed == kinds["unsubscribe"]
        assert _count(ConsentEntry, ConsentEntry.status == OPT_OUT, ConsentEntry.topic.is_not(None)) == unsubscribed
        bounced = set(db.session.scalars(select(Recipient.email).join(Event, Event.recipient_id == Recipient.id)
                                         .where(Event.kind == "bounce_hard")))
        assert bounced <= set(db.session.scalars(select(Suppression.email)))

        sequences = db.session.scalars(select(Sequence).order_by(Sequence.id)).all()
        assert [(s.name, s.status, len(s.steps)) for s in sequences] == [
            ("Welcome series", "active", 3), ("Thank you for a first gift", "paused", 2)]
        states = Counter(db.session.scalars(select(Enrolment.status)))
        assert states["active"] > 0 and states["finished"] > 0
        for step in db.session.scalars(select(Step)):
            assert step.campaign.sent_count == _count(Recipient, Recipient.campaign_id == step.campaign_id)
        assert sending.next_due() > sending.utcnow()  # nothing overdue: no flood when a worker starts

        before = {m.__tablename__: _count(m) for m in (Campaign, Recipient, Event, Sequence, Enrolment)}
        marketing_seed.seed(N, module_rng(6, "marketing"), lambda *a, **k: None)
        after = {m.__tablename__: _count(m) for m in (Campaign, Recipient, Event, Sequence, Enrolment)}
        assert after == before
