"""The sequence pages over HTTP: creating one with two steps through its
forms, the errors next to the fields, switching it on, the counts per step,
who finished and who left, adding and removing a contact by hand (with
undo), the step preview as a contact, the contact timeline, and the edit
guard on both forms (tests/conflict_table.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from modules.marketing.campaign_models import Campaign
from modules.marketing.sequences.models import Enrolment, Sequence, Step
from tests.conflict_table import Case, check_clash, check_merge, check_no_token
from tests.conftest import post_form
from tests.modules.marketing.sequences.helpers import enrol_at, enrolments, make_sequence, people, send


def _html(response) -> str:
    return response.get_data(as_text=True)


def _ids(app):
    with app.app_context():
        from modules.marketing.campaign_models import Sender
        from modules.marketing.models import Topic

        topic = Topic(name="Newsletter", slug="newsletter", consent_wording="Yes")
        sender = Sender(name="Riverside", email="news@riverside.example", verified_at=utcnow())
        db.session.add_all([topic, sender])
        db.session.commit()
        return topic.id, sender.id


def test_creating_a_sequence_with_two_steps_through_its_forms(app, admin_client):
    topic_id, sender_id = _ids(app)
    assert "No sequences yet." in _html(admin_client.get("/marketing/sequences"))

    bad = post_form(admin_client, "/marketing/sequences/new", {"name": "Welcome", "trigger": "segment"})
    assert bad.status_code == 422
    html = _html(bad)
    assert "Choose the topic people agreed to." in html and "Choose the segment whose new members enter." in html
    assert "Choose a verified sender." in html

    made = post_form(admin_client, "/marketing/sequences/new",
                     {"name": "Welcome", "topic_id": topic_id, "trigger": "manual", "sender_id": sender_id})
    assert made.status_code == 303
    with app.app_context():
        sequence = db.session.scalar(select(Sequence))
        assert (sequence.name, sequence.status, sequence.trigger) == ("Welcome", "paused", "manual")
        sequence_id = sequence.id
    assert made.headers["Location"].endswith(f"/marketing/sequences/{sequence_id}/steps/new")

    new_step = f"/marketing/sequences/{sequence_id}/steps/new"
    bad = post_form(admin_client, new_step, {"wait": "0", "wait_unit": "days", "subject": "Hi {{ contact.nickname }}",
                                             "format": "markdown", "body": ""})
    assert bad.status_code == 422
    assert "Write the message." in _html(bad) and "nickname" in _html(bad)
    first = {"wait": "0", "wait_unit": "days", "subject": "Welcome, {{ contact.first_name }}", "format": "markdown",
             "body": "Hello **{{ contact.first_name }}**"}
    assert post_form(admin_client, new_step, first).status_code == 303
    assert post_form(admin_client, new_step, {"wait": "3", "wait_unit": "days", "subject": "How we help",
                                              "format": "markdown", "body": "What we do."}).status_code == 303
    with app.app_context():
        rows = db.session.execute(select(Step.position, Step.wait_hours, Campaign.subject, Campaign.status,
                                         Campaign.topic_id, Campaign.sender_id)
                                  .join(Campaign, Campaign.id == Step.campaign_id).order_by(Step.position)).all()
    assert [tuple(r) for r in rows] == [(1, 0, "Welcome, {{ contact.first_name }}", "sequence", topic_id, sender_id),
                                        (2, 72, "How we help", "sequence", topic_id, sender_id)]

    page = f"/marketing/sequences/{sequence_id}"
    assert post_form(admin_client, f"{page}/status", {"status": "active"}, page=page).status_code == 303
    html = _html(admin_client.get(page))
    assert 'id="sequence-status">Active<' in html
    assert "At once after entering" in html and "3 days after step 1" in html
    # The carriers are not campaigns of their own: not listed, and their page is the sequence's.
    assert "Welcome · step 1" not in _html(admin_client.get("/marketing/campaigns"))
    with app.app_context():
        carrier = db.session.scalar(select(Step.campaign_id).where(Step.position == 1))
    assert admin_client.get(f"/marketing/campaigns/{carrier}").headers["Location"].endswith(page)


def _cells(html: str, position: int) -> dict[str, str]:
    row = re.search(rf'<tr id="step-{position}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-label="(\w+)"[^>]*>([\d,]+)<', row))


def test_the_sequence_page_counts_each_step_and_lists_who_finished_and_left(app, admin_client, smtp):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 5, topic_id)
    enrol_at(app, sequence_id, ids[:3], utcnow() - timedelta(days=3))
    enrol_at(app, sequence_id, ids[3:], utcnow() - timedelta(hours=1))
    assert send(app).sent == 5  # step 1 to all five
    assert send(app).sent == 3  # step 2 to the three who entered three days ago
    with app.app_context():
        row = db.session.scalar(select(Enrolment).where(Enrolment.contact_id == ids[4]))
        row.status, row.left_reason, row.ended_at = "left", "unsubscribed", utcnow()
        db.session.commit()

    html = _html(admin_client.get(f"/marketing/sequences/{sequence_id}"))
    assert _cells(html, 1) == {"waiting": "0", "sent": "5", "failed": "0"}
    assert _cells(html, 2) == {"waiting": "1", "sent": "3", "failed": "0"}
    assert re.search(r'id="count-in-progress">1<', html) and re.search(r'id="count-finished">3<', html)
    assert re.search(r'id="count-left">1<', html) and "unsubscribed from the topic: 1" in html
    finished = re.search(r'<ul class="plain-list" id="finished">(.*?)</ul>', html, re.S).group(1)
    assert sorted(re.findall(r"Name(\d) Test", finished)) == ["0", "1", "2"]
    assert "Name4 Test" in re.search(r'id="left">(.*?)</ul>', html, re.S).group(1)


def test_adding_and_removing_by_hand_with_undo(app, admin_client, smtp):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 1, topic_id) + people(app, 1, None, prefix="nosub")
    page = f"/marketing/sequences/{sequence_id}"
    added = post_form(admin_client, f"{page}/enrol", {"email": "Person0@example.org"}, page=page)
    assert added.status_code == 303
    again = post_form(admin_client, f"{page}/enrol", {"email": "person0@example.org"}, page=page)
    assert again.status_code == 422 and "each contact goes through it once" in _html(again)
    refused = post_form(admin_client, f"{page}/enrol", {"email": "nosub0@example.org"}, page=page)
    assert refused.status_code == 422 and "not subscribed to the sequence&#39;s topic" in _html(refused)
    assert enrolments(app, sequence_id) == {ids[0]: ("active", 0, "")}

    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.id))
    removed = post_form(admin_client, f"{page}/enrolments/{enrolment_id}/remove", {}, page=page)
    assert removed.status_code == 303
    assert enrolments(app, sequence_id) == {ids[0]: ("left", 0, "removed")}
    assert send(app).sent == 0 and smtp.inbox.received == []
    html = _html(admin_client.get(page))
    assert "Removed by hand" in html and "Put back" in html
    assert post_form(admin_client, f"{page}/enrolments/{enrolment_id}/undo", {}, page=page).status_code == 303
    assert enrolments(app, sequence_id) == {ids[0]: ("active", 0, "")}
    assert send(app).sent == 1


def test_the_step_preview_as_a_contact(app, admin_client):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 1, topic_id)
    with app.app_context():
        step_id = db.session.scalar(select(Step.id).where(Step.position == 1))
    url = f"/marketing/sequences/{sequence_id}/steps/{step_id}/preview"
    html = _html(admin_client.get(url))
    assert '<span id="preview-subject">Welcome, Grace</span>' in html  # sample values
    found = _html(admin_client.get(url, query_string={"q": "person0@example.org"}))
    assert f"contact={ids[0]}" in found
    html = _html(admin_client.get(url, query_string={"contact": ids[0]}))
    assert '<span id="preview-subject">Welcome, Name0</span>' in html
    assert "Hello Name0, welcome aboard." in html


def test_the_contact_timeline_shows_entering_each_step_and_leaving(app, admin_client, smtp):
    sequence_id, topic_id = make_sequence(app)
    ids = people(app, 1, topic_id)
    enrol_at(app, sequence_id, ids, utcnow() - timedelta(days=3))
    send(app)
    with app.app_context():
        row = db.session.scalar(select(Enrolment))
        row.status, row.left_reason, row.ended_at = "left", "unsubscribed", utcnow()
        db.session.commit()
    html = _html(admin_client.get(f"/contacts/{ids[0]}/timeline"))
    assert "Entered the sequence “Welcome series”" in html
    assert "Sent step 1 of “Welcome series”" in html and "Welcome, {{ contact.first_name }}" in html
    assert "Left the sequence “Welcome series”" in html and "Unsubscribed from the topic" in html


def _sequence_case(app):
    sequence_id, _ = make_sequence(app)

    def read(app):
        with app.app_context():
            s = db.session.get(Sequence, sequence_id)
            return {"name": s.name, "trigger": s.trigger}

    return f"/marketing/sequences/{sequence_id}/edit", read


def _step_case(app):
    sequence_id, _ = make_sequence(app)
    with app.app_context():
        step_id = db.session.scalar(select(Step.id).where(Step.position == 2))

    def read(app):
        with app.app_context():
            step = db.session.get(Step, step_id)
            return {"subject": step.campaign.subject, "body": step.campaign.body, "wait": step.wait_hours}

    return f"/marketing/sequences/{sequence_id}/steps/{step_id}/edit", read


CASES = [
    Case("sequence", _sequence_case, theirs={"name": "Welcome series 2027"}, mine={"trigger": "signup"},
         merged={"name": "Welcome series 2027", "trigger": "signup"},
         clash="name", their_value="Hello series", my_value="Greeting series", stored="name",
         their_stored="Hello series", my_stored="Greeting series", their_shown="Hello series"),
    Case("step", _step_case, theirs={"subject": "What we do"}, mine={"body": "Our work, in short."},
         merged={"subject": "What we do", "body": "Our work, in short.", "wait": 48},
         clash="body", their_value="Her words", my_value="His words", stored="body",
         their_stored="Her words", my_stored="His words", their_shown="Her words"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_edits_to_different_fields_both_stand(app, case):
    check_merge(app, case)


@pytest.mark.parametrize("choice", ["mine", "theirs"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_same_field_is_a_conflict_to_settle(app, case, choice):
    check_clash(app, case, choice)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_form_without_a_token_saves_as_before(app, case):
    check_no_token(app, case)


def test_a_segment_sequence_names_its_segment(app, admin_client):
    from modules.contacts.models import Segment

    with app.app_context():
        segment = Segment(name="Volunteers", filters={"q": "", "f": [], "match": "all"}, shared=True)
        db.session.add(segment)
        db.session.commit()
        segment_id = segment.id
    sequence_id, _ = make_sequence(app, trigger="segment", segment_id=segment_id)
    html = _html(admin_client.get(f"/marketing/sequences/{sequence_id}"))
    assert f'href="/contacts/segments/{segment_id}">Volunteers</a>' in html
