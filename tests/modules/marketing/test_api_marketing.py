"""Marketing through the REST API: topics, a contact's subscriptions (the
consent ledger records source "api" and the token's user), campaigns with
their results, and the suppression list; each with the pages' permissions."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.marketing.campaign_models import SENT, Campaign, Event, Recipient
from modules.marketing.models import Suppression, Topic
from tests.api_client import api_for
from tests.conftest import make_user
from tests.modules.marketing.helpers import count, ledger, make_person, make_topic, subscription_rows


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_subscribing_through_the_api_writes_one_consent_row_with_source_api(app, admin):
    topic_id = make_topic(app, wording="Yes, send me the newsletter.")
    grace = make_person(app)
    api = api_for(app, admin.email)

    response = api.post(f"contacts/{grace}/subscriptions", json={"topic_id": topic_id, "subscribed": True})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "subscribed" and response.get_json()["changed"] is True
    again = api.post(f"contacts/{grace}/subscriptions", json={"topic_id": topic_id, "subscribed": True})
    assert again.get_json()["changed"] is False  # the state asked for: a retry writes nothing

    assert subscription_rows(app, grace) == [(grace, topic_id, "subscribed", "api")]
    assert ledger(app, grace) == [{"contact": grace, "status": "opted_in", "topic": f"marketing:{topic_id}",
                                   "source": "api", "wording": "Yes, send me the newsletter.", "ip": None,
                                   "user": _user_id(app, admin.email)}]
    listed = api.get(f"contacts/{grace}/subscriptions").get_json()["data"]
    assert [(s["topic_id"], s["status"], s["source"]) for s in listed] == [(topic_id, "subscribed", "api")]

    api.post(f"contacts/{grace}/subscriptions", json={"topic_id": topic_id, "subscribed": False})
    assert [e["status"] for e in ledger(app, grace)] == ["opted_in", "opted_out"]
    assert subscription_rows(app, grace) == [(grace, topic_id, "unsubscribed", "api")]


def test_an_archived_topic_or_a_missing_one_is_refused_and_nothing_is_written(app, admin):
    topic_id = make_topic(app)
    with app.app_context():
        from app.models.base import utcnow

        db.session.get(Topic, topic_id).archived_at = utcnow()
        db.session.commit()
    grace = make_person(app)
    api = api_for(app, admin.email)
    archived = api.post(f"contacts/{grace}/subscriptions", json={"topic_id": topic_id, "subscribed": True})
    assert archived.status_code == 422 and "archived" in archived.get_json()["errors"][0]["detail"]
    missing = api.post(f"contacts/{grace}/subscriptions", json={"topic_id": 99999, "subscribed": True})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "topic_id"
    assert api.get("contacts/99999/subscriptions").status_code == 404
    assert subscription_rows(app) == [] and ledger(app) == []


def test_suppress_an_address_list_it_and_remove_it(app, admin):
    api = api_for(app, admin.email)
    made = api.post("suppressions", json={"email": " Bounced@Example.ORG ", "note": "Told us by phone"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["email"] == "bounced@example.org" and made.get_json()["reason"] == "manual"
    twice = api.post("suppressions", json={"email": "bounced@example.org", "reason": "complaint"})
    assert twice.status_code == 422 and "on the list already (added by hand)" in twice.get_json()["errors"][0]["detail"]
    bad = api.post("suppressions", json={"email": "not an address"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "email"
    assert count(app, Suppression) == 1

    found = api.get("suppressions?email=BOUNCED@example.org").get_json()["data"]
    assert [s["email"] for s in found] == ["bounced@example.org"]
    assert api.delete(f"suppressions/{found[0]['id']}").status_code == 204
    assert count(app, Suppression) == 0
    assert api.get(f"suppressions/{found[0]['id']}").status_code == 404


def test_topics_are_read_by_staff_and_written_by_marketing_admins_only(app, admin):
    make_user(app, "staff@example.org", "staff", name="Sam Staff")
    staff = api_for(app, "staff@example.org")
    manager = api_for(app, admin.email)

    made = manager.post("topics", json={"name": "Events", "consent_wording": "Tell me about events.",
                                        "kind": "supporters", "on_preference_page": False})
    assert made.status_code == 201, made.get_json()
    topic = made.get_json()
    assert (topic["slug"], topic["kind"], topic["on_preference_page"]) == ("events", "supporters", False)
    dup = manager.post("topics", json={"name": "Events"})
    assert dup.status_code == 422 and "already a topic named" in dup.get_json()["errors"][0]["detail"]
    assert manager.post("topics", json={"name": ""}).status_code == 422

    assert [t["name"] for t in staff.get("topics").get_json()["data"]] == ["Events"]
    etag = staff.get(f"topics/{topic['id']}").headers["ETag"]
    refused = staff.patch(f"topics/{topic['id']}", json={"name": "Mine"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert staff.post("topics", json={"name": "Staff topic"}).status_code == 403
    assert staff.post("suppressions", json={"email": "a@example.org"}).status_code == 403
    assert staff.get("suppressions").status_code == 403

    changed = manager.patch(f"topics/{topic['id']}", json={"description": "Twice a year."},
                            headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["name"] == "Events"
    stale = manager.patch(f"topics/{topic['id']}", json={"name": "Gatherings"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    with app.app_context():
        stored = db.session.get(Topic, topic["id"])
        assert (stored.name, stored.description) == ("Events", "Twice a year.")
    assert count(app, Topic) == 1

    archived = manager.patch(f"topics/{topic['id']}", json={"archived": True})
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    assert [t["id"] for t in staff.get("topics?archived=false").get_json()["data"]] == []
    grace = make_person(app)
    joining = manager.post(f"contacts/{grace}/subscriptions", json={"topic_id": topic["id"], "subscribed": True})
    assert joining.status_code == 422 and subscription_rows(app) == []
    assert manager.patch(f"topics/{topic['id']}", json={"archived": False}).get_json()["archived"] is False
    assert staff.patch(f"topics/{topic['id']}", json={"archived": True}).status_code == 403
    with app.app_context():
        assert db.session.get(Topic, topic["id"]).archived_at is None


def test_subscribing_needs_marketing_edit(app, admin):
    topic_id = make_topic(app)
    grace = make_person(app)
    make_user(app, "vol@example.org", "volunteer", name="Val Volunteer")
    volunteer = api_for(app, "vol@example.org")
    scoped = api_for(app, admin.email, scopes=["marketing.view"])
    for api in (volunteer, scoped):
        answer = api.post(f"contacts/{grace}/subscriptions", json={"topic_id": topic_id, "subscribed": True})
        assert answer.status_code == 403
    assert scoped.get(f"contacts/{grace}/subscriptions").status_code == 200
    assert subscription_rows(app) == [] and ledger(app) == []


def test_campaigns_show_status_and_results(app, admin):
    grace, ada = make_person(app), make_person(app, "Ada", "Lovelace", "ada@example.org")
    with app.app_context():
        sent = Campaign(name="Winter appeal", subject="Keep someone warm", status=SENT, sent_count=2,
                        recipients_total=2)
        draft = Campaign(name="Spring news", subject="", status="draft")
        db.session.add_all([sent, draft])
        db.session.flush()
        people = [Recipient(campaign_id=sent.id, contact_id=c, email=e)
                  for c, e in ((grace, "grace@example.org"), (ada, "ada@example.org"))]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all([Event(campaign_id=sent.id, recipient_id=people[0].id, kind="bounce_hard"),
                            Event(campaign_id=sent.id, recipient_id=people[1].id, kind="open_human"),
                            Event(campaign_id=sent.id, recipient_id=people[1].id, kind="open_human")])
        db.session.commit()
        sent_id, draft_id = sent.id, draft.id
    api = api_for(app, admin.email)
    listed = api.get("campaigns").get_json()["data"]
    assert [(c["name"], c["status"]) for c in listed] == [("Winter appeal", "sent"), ("Spring news", "draft")]
    one = api.get(f"campaigns/{sent_id}").get_json()
    assert one["results"] == {"sent": 2, "delivered": 1, "bounced_hard": 1, "bounced_soft": 0, "complaints": 0,
                                   "unsubscribes": 0, "opened": 1, "clicked": 0, "clicks": 0}
    assert [c["id"] for c in api.get("campaigns?status=draft").get_json()["data"]] == [draft_id]
    assert api.post("campaigns", json={}).status_code == 405
