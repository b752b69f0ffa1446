"""Marketing's part when contacts merge, and in privacy export and erasure
(through the contacts module's own merge and privacy services)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from modules.contacts.dedupe import merge
from modules.contacts.models import ConsentEntry, Contact
from modules.contacts.people import privacy, records
from modules.marketing import signups, tokens
from modules.marketing.models import PendingSignup, PreferenceKey, Subscription, Topic
from modules.marketing.subscriptions import Origin, change
from tests.conftest import make_user
from tests.modules.marketing.helpers import make_person, make_topic, subscription_rows


def _sub(contact_id, topic_id, on, days_ago=0):
    change(db.session.get(Contact, contact_id), db.session.get(Topic, topic_id), on, Origin("staff"))
    row = db.session.scalar(select(Subscription).where(Subscription.contact_id == contact_id,
                                                       Subscription.topic_id == topic_id))
    row.changed_at = utcnow() - timedelta(days=days_ago)


def test_merge_moves_subscriptions_and_the_later_decision_stands(app):
    make_user(app)
    news, events, appeals = make_topic(app, "Newsletter"), make_topic(app, "Events"), make_topic(app, "Appeals")
    ann = make_person(app, "Ann", "Lee", "ann@example.org")
    anne = make_person(app, "Anne", "Lee", "anne@example.org")
    with app.test_request_context():
        _sub(ann, news, True, days_ago=10)      # Ann joined long ago...
        _sub(anne, news, True, days_ago=20)
        _sub(anne, news, False, days_ago=2)     # ...her duplicate left it recently: leaving stands
        _sub(ann, events, True, days_ago=1)     # Ann's later choice stands over Anne's older one
        _sub(anne, events, True, days_ago=30)
        _sub(anne, events, False, days_ago=5)
        _sub(anne, appeals, True, days_ago=3)   # only Anne: moves as it is
        old_link = tokens.preference_token(anne)
        db.session.commit()
        merge.merge(records.load(ann), records.load(anne), {})
        db.session.commit()
    assert sorted((t, s) for c, t, s, _ in subscription_rows(app) if c == ann) == \
        sorted([(news, "unsubscribed"), (events, "subscribed"), (appeals, "subscribed")])
    assert [r for r in subscription_rows(app) if r[0] == anne] == []
    with app.app_context():
        # Their consent history came along in the contacts ledger.
        assert db.session.scalar(select(db.func.count()).select_from(ConsentEntry).where(
            ConsentEntry.contact_id == anne)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(ConsentEntry).where(
            ConsentEntry.contact_id == ann, ConsentEntry.topic.is_not(None))) == 7
    # A link mailed to Anne before the merge now opens Ann's preferences.
    page = app.test_client().get(f"/marketing/preferences/{old_link}")
    assert page.status_code == 200 and "ann@example.org" in page.get_data(as_text=True)


def test_export_lists_subscriptions_sign_ups_and_suppressions(app):
    make_user(app)
    news = make_topic(app, "Newsletter")
    grace = make_person(app)
    with app.test_request_context():
        _sub(grace, news, True)
        signups.start(db.session.get(Topic, news), "grace@example.org", "Grace", "", "Yes please", "192.0.2.1")
        db.session.commit()
        data = privacy.export_data(records.load(grace))
    section = data["modules"]["marketing"]
    assert [(s["topic"], s["status"]) for s in section["subscriptions"]] == [("Newsletter", "subscribed")]
    assert [(s["email"], s["ip"], s["wording"]) for s in section["sign_ups"]] == \
        [("grace@example.org", "192.0.2.1", "Yes please")]
    assert data["consent_history"][0]["topic"] == "Newsletter"


def test_erasure_ends_subscriptions_keeps_counts_and_kills_links(app):
    make_user(app)
    news = make_topic(app, "Newsletter")
    grace = make_person(app)
    with app.test_request_context():
        _sub(grace, news, True)
        signup = signups.start(db.session.get(Topic, news), "grace@example.org", "Grace", "", "Yes", "192.0.2.1")
        db.session.commit()
        signups.confirm(signup, "192.0.2.2")  # the same person: matched, not duplicated
        link = tokens.preference_token(grace)
        db.session.commit()
        privacy.erase(records.load(grace))
        db.session.commit()
    assert subscription_rows(app) == [(grace, news, "unsubscribed", "erasure")]  # the row stays, for counts
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(PendingSignup)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(PreferenceKey)) == 0
        entries = db.session.scalars(select(ConsentEntry).where(ConsentEntry.topic.is_not(None))).all()
        assert entries and all(e.wording == "" and e.ip is None for e in entries)
    assert app.test_client().get(f"/marketing/preferences/{link}").status_code == 404
