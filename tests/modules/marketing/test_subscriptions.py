"""Subscriptions: the current state per (contact, topic) and every change in
the contacts consent ledger; staff change them from the contact page, which
shows the topics and their consent history; the filter builder finds
subscribers of a topic."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.contacts.models import Contact
from modules.marketing import subscriptions
from modules.marketing.models import Topic
from tests.conftest import post_form
from tests.modules.marketing.helpers import ledger, make_person, make_topic, subscription_rows


def _change(app, contact_id, topic_id, on, origin):
    with app.test_request_context():
        changed = subscriptions.change(db.session.get(Contact, contact_id), db.session.get(Topic, topic_id), on,
                                       origin)
        db.session.commit()
        return changed


def test_each_change_is_one_ledger_row_and_a_repeat_writes_nothing(app):
    topic = make_topic(app)
    grace = make_person(app)
    web = subscriptions.Origin(subscriptions.PREFERENCE_PAGE, ip="203.0.113.9")
    assert _change(app, grace, topic, True, web) is True
    assert _change(app, grace, topic, True, web) is False  # already subscribed
    assert _change(app, grace, topic, False, web) is True
    assert _change(app, grace, topic, False, web) is False
    assert subscription_rows(app) == [(grace, topic, "unsubscribed", "preference page")]
    assert ledger(app) == [
        {"contact": grace, "status": "opted_in", "topic": f"marketing:{topic}", "source": "preference page",
         "wording": "Yes, email me the newsletter.", "ip": "203.0.113.9", "user": None},
        {"contact": grace, "status": "opted_out", "topic": f"marketing:{topic}", "source": "preference page",
         "wording": "", "ip": "203.0.113.9", "user": None},
    ]


def test_each_stored_change_is_announced_once(app):
    from modules.marketing import signals

    topic = make_topic(app)
    grace = make_person(app)
    heard = []

    def listen(contact, **kw):
        heard.append((contact.id, kw["topic"].id, kw["subscribed"], kw["source"]))

    signals.subscription_changed.connect(listen)
    try:
        for on in (True, True, False):
            _change(app, grace, topic, on, subscriptions.Origin("staff"))
    finally:
        signals.subscription_changed.disconnect(listen)
    assert heard == [(grace, topic, True, "staff"), (grace, topic, False, "staff")]


def test_unsubscribing_someone_never_subscribed_writes_nothing(app):
    topic = make_topic(app)
    grace = make_person(app)
    assert _change(app, grace, topic, False, subscriptions.Origin("staff")) is False
    assert subscription_rows(app) == [] and ledger(app) == []


def test_staff_subscribe_from_the_contact_page_and_the_history_names_the_topic(app, admin_client):
    topic = make_topic(app, "Appeals", wording="Yes, send me appeals.")
    grace = make_person(app)
    page = admin_client.get(f"/contacts/{grace}").get_data(as_text=True)
    assert 'id="panel-subscriptions"' in page and "Not subscribed" in page
    url = f"/marketing/contacts/{grace}/subscriptions"
    response = post_form(admin_client, url, {"topic": topic, "subscribed": "1"}, page=f"/contacts/{grace}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/contacts/{grace}#panel-subscriptions")
    # A second click from the same (stale) page asks for the same state: no second row.
    post_form(admin_client, url, {"topic": topic, "subscribed": "1"}, page=f"/contacts/{grace}")
    with app.app_context():
        ada = db.session.scalar(select(User.id).where(User.email == "admin@example.org"))
    assert subscription_rows(app) == [(grace, topic, "subscribed", "staff")]
    assert [(e["status"], e["source"], e["user"], e["wording"]) for e in ledger(app)] == \
        [("opted_in", "staff", ada, "Yes, send me appeals.")]
    page = admin_client.get(f"/contacts/{grace}").get_data(as_text=True)
    assert '<span class="badge ok">Subscribed</span>' in page
    # The contacts consent history names the topic (through the hook; contacts imports no marketing).
    assert "<strong>Appeals</strong>" in page
    post_form(admin_client, url, {"topic": topic, "subscribed": "0"}, page=f"/contacts/{grace}")
    assert subscription_rows(app) == [(grace, topic, "unsubscribed", "staff")]
    assert [e["status"] for e in ledger(app)] == ["opted_in", "opted_out"]


def test_volunteers_see_subscriptions_but_cannot_change_them(app, admin_client):
    from tests.conftest import login, make_user

    topic = make_topic(app)
    grace = make_person(app)
    make_user(app, "val@example.org", "volunteer", "Val Volunteer")
    volunteer = app.test_client()
    login(volunteer, "val@example.org")
    page = volunteer.get(f"/contacts/{grace}").get_data(as_text=True)
    assert "Newsletter" in page and "Subscribe Grace Hopper to Newsletter" not in page
    response = volunteer.post(f"/marketing/contacts/{grace}/subscriptions",
                              data={"topic": topic, "subscribed": "1"},
                              headers={"X-CSRFToken": _token(volunteer)})
    assert response.status_code == 403
    assert subscription_rows(app) == []


def _token(client):
    from tests.conftest import csrf_from

    return csrf_from(client, "/account")


def test_the_filter_builder_finds_the_subscribers_of_a_topic(app, admin_client):
    news, events = make_topic(app, "Newsletter"), make_topic(app, "Events")
    grace = make_person(app, "Grace", "Hopper", "grace@example.org")
    alan = make_person(app, "Alan", "Turing", "alan@example.org")
    make_person(app, "Ada", "Lovelace", "ada@example.org")
    staff = subscriptions.Origin("staff")
    _change(app, grace, news, True, staff)
    _change(app, alan, news, True, staff)
    _change(app, alan, news, False, staff)  # left again
    _change(app, alan, events, True, staff)
    html = admin_client.get(f"/contacts/?f=topic:is:{news}").get_data(as_text=True)
    assert "Grace Hopper" in html and "Alan Turing" not in html and "Ada Lovelace" not in html
    assert "Subscribed to topic" in html
    html = admin_client.get(f"/contacts/?f=topic:is_not:{news}").get_data(as_text=True)
    assert "Grace Hopper" not in html and "Alan Turing" in html and "Ada Lovelace" in html
