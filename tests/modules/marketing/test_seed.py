"""Demo marketing data from `flask seed`: topics, subscriptions that each
have their consent-ledger row, suppressions; the same seed gives the same
data, and seeding again adds no second copy of a topic or subscription."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.seed import module_rng
from modules.contacts import seed as contacts_seed
from modules.contacts.models import OPT_IN, ConsentEntry, Contact
from modules.marketing import seed as marketing_seed
from modules.marketing.models import Subscription, Suppression, Topic
from tests.conftest import empty_tables

N = 200


def _seeded(app, seed: int) -> dict:
    empty_tables(app)
    with app.app_context():
        contacts_seed.seed(N, module_rng(seed, "contacts"), lambda *a, **k: None)
        marketing_seed.seed(N, module_rng(seed, "marketing"), lambda *a, **k: None)
        return _fingerprint()


def _fingerprint() -> dict:
    rank = {cid: i for i, cid in enumerate(db.session.scalars(select(Contact.id).order_by(Contact.id)))}
    slugs = dict(db.session.execute(select(Topic.id, Topic.slug)).all())
    return {
        "topics": sorted(slugs.values()),
        "subscriptions": sorted((rank[s.contact_id], slugs[s.topic_id], s.source)
                                for s in db.session.scalars(select(Subscription))),
        "ledger": db.session.scalar(select(func.count()).select_from(ConsentEntry)
                                    .where(ConsentEntry.topic.is_not(None), ConsentEntry.status == OPT_IN)),
        "suppressions": db.session.scalar(select(func.count()).select_from(Suppression)),
    }


def test_the_same_seed_gives_the_same_data(app):
    first = _seeded(app, 3)
    assert first["topics"] == ["appeals", "events", "newsletter"]
    assert 0 < len(first["subscriptions"]) == first["ledger"]
    assert first["suppressions"] >= 1
    assert first == _seeded(app, 3)
    assert first["subscriptions"] != _seeded(app, 4)["subscriptions"]


def test_seeding_again_adds_no_copies(app):
    first = _seeded(app, 3)
    with app.app_context():
        marketing_seed.seed(N, module_rng(9, "marketing"), lambda *a, **k: None)
        again = _fingerprint()
    assert again["topics"] == first["topics"]
    assert len(set(again["subscriptions"])) == len(again["subscriptions"])
