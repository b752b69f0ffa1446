"""Subscription topics in Admin: add, edit (through the core edit guard:
two people's changes merge, a clash comes back as a conflict), archive and
bring back, and the topic page's sign-up address and embeddable form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from modules.marketing.models import SUPPORTERS, Topic
from tests.conflict_table import Case, check_clash, check_merge, check_no_token
from tests.conftest import login, make_user, post_form
from tests.modules.marketing.helpers import make_topic


def _topic(app, topic_id):
    with app.app_context():
        return db.session.get(Topic, topic_id)


def test_adding_a_topic_gives_it_a_sign_up_address_and_an_embeddable_form(app, admin_client):
    response = post_form(admin_client, "/marketing/topics/new", {
        "name": "Year 7 families", "description": "News for families of Year 7.",
        "consent_wording": "Yes, email me Year 7 news.", "kind": "double_opt_in", "on_preference_page": "y"})
    assert response.status_code == 303
    with app.app_context():
        topic = db.session.scalar(select(Topic))
        assert (topic.name, topic.slug, topic.kind, topic.on_preference_page) == \
            ("Year 7 families", "year-7-families", "double_opt_in", True)
        assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.object_type == "marketing_topic")) \
            == "Added the topic “Year 7 families”"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/marketing/join/year-7-families" in page
    # The snippet is shown as text to copy, escaped inside the textarea.
    assert '&lt;form method=&#34;post&#34; action=&#34;http' in page
    assert "name=&#34;website&#34;" in page  # the honeypot comes with it
    assert "Yes, email me Year 7 news." in page


def test_a_second_topic_of_the_same_name_is_refused_next_to_the_field(app, admin_client):
    make_topic(app, "Newsletter")
    response = post_form(admin_client, "/marketing/topics/new", {"name": "newsletter", "kind": "double_opt_in"})
    assert response.status_code == 422
    assert "There is already a topic named “newsletter”." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Topic)) == 1


def test_a_topic_for_existing_supporters_has_no_public_form(app, admin_client):
    topic_id = make_topic(app, "Major donors briefing", kind=SUPPORTERS)
    page = admin_client.get(f"/marketing/topics/{topic_id}").get_data(as_text=True)
    assert "there is no public sign-up form" in page
    assert "/marketing/join/" not in page
    assert admin_client.get("/marketing/join/major-donors-briefing").status_code == 404


def test_archive_sets_the_state_the_button_asks_for(app, admin_client):
    topic_id = make_topic(app)
    url = f"/marketing/topics/{topic_id}/archive"
    assert post_form(admin_client, url, {"archived": "1"}, page=f"/marketing/topics/{topic_id}").status_code == 303
    assert _topic(app, topic_id).archived_at is not None
    # A second click from a stale page that still said "Archive" changes nothing.
    assert post_form(admin_client, url, {"archived": "1"}, page=f"/marketing/topics/{topic_id}").status_code == 303
    assert _topic(app, topic_id).archived_at is not None
    assert admin_client.get("/marketing/join/newsletter").status_code == 404  # archived: no sign-ups
    post_form(admin_client, url, {"archived": "0"}, page=f"/marketing/topics/{topic_id}")
    assert _topic(app, topic_id).archived_at is None
    assert admin_client.get("/marketing/join/newsletter").status_code == 200


def test_staff_see_topics_but_only_managers_manage_them(app, client):
    make_topic(app)
    make_user(app)
    make_user(app, "sam@example.org", "staff", "Sam Staff")
    login(client, "sam@example.org")
    assert client.get("/marketing/").status_code == 200
    assert client.get("/marketing/topics/new").status_code == 403
    assert client.get("/marketing/suppressions").status_code == 403


def _topic_case(app):
    topic_id = make_topic(app, "Events", wording="Email me about events.", description="Our events.")

    def read(app):
        topic = _topic(app, topic_id)
        return {"name": topic.name, "description": topic.description, "consent_wording": topic.consent_wording,
                "kind": topic.kind}

    return f"/marketing/topics/{topic_id}/edit", read


CASE = Case("topic", _topic_case, theirs={"description": "Talks and walks."},
            mine={"consent_wording": "Yes, tell me about events."},
            merged={"description": "Talks and walks.", "consent_wording": "Yes, tell me about events."},
            clash="name", their_value="Events and talks", my_value="Gatherings", stored="name",
            their_stored="Events and talks", my_stored="Gatherings", their_shown="Events and talks")


def test_two_people_editing_a_topic_merge_their_changes(app):
    check_merge(app, CASE)


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_two_people_changing_a_topics_name_get_a_conflict(app, choice):
    check_clash(app, CASE, choice)


def test_a_topic_form_without_a_token_saves_as_before(app):
    check_no_token(app, CASE)
