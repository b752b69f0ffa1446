"""Campaign pages through the test client, with the real database and a
real SMTP server: senders verified by their emailed link, layouts checked
on save, a campaign written, its checklist, preview as a contact, a test
send, send now, and schedule / cancel / the schedule starting it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.jobs import service as jobs
from app.models import Job
from app.models.base import utcnow
from modules.marketing import scheduled
from modules.marketing.campaign_models import DRAFT, FREEZING, SCHEDULED, Campaign, Layout, Recipient, Sender
from tests.conftest import post_form
from tests.modules.marketing.campaign_helpers import person, segment, verified_sender
from tests.modules.marketing.conftest import link_in, run_jobs


def _audience(app):
    """Ann (tagged News, in the segment) and Bob (not): the segment's id."""
    with app.app_context():
        person("Ann", "ann@example.org", tags=["News"])
        person("Bob", "bob@example.org")
        seg = segment("News readers", "News")
        sender = verified_sender()
        db.session.commit()
        return seg, sender.id


def _new(admin_client, **values):
    data = {"name": "Spring news", "subject": "Spring news for {{ contact.first_name }}", "preheader": "",
            "format": "markdown", "body": "Dear {{ contact.first_name }},\n\nSee [our site](https://example.org).",
            "match": "all", "per": "combined", "sender_id": "", "topic_id": "",
            "layout_id": "", "expand": "", "filters": "", **values}
    return post_form(admin_client, "/marketing/campaigns/new", data)


def _campaign(app) -> Campaign:
    with app.app_context():
        row = db.session.scalar(select(Campaign).order_by(Campaign.id.desc()).limit(1))
        db.session.expunge(row)
        return row


def test_a_sender_is_verified_by_the_link_emailed_to_it(app, admin_client, smtp):
    response = post_form(admin_client, "/marketing/senders", {"name": "Riverside", "email": "News@Riverside.example",
                                                              "reply_to": ""})
    assert response.status_code == 303
    run_jobs(app)
    assert [m["To"] for m in smtp.messages] == ["news@riverside.example"]
    link = link_in(smtp.messages[0], "/marketing/senders/verify/")
    page = admin_client.get(link)
    assert "Confirm news@riverside.example" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Sender.verified_at)) is None  # a GET changes nothing
    post_form(admin_client, link, {}, page="/marketing/senders")
    with app.app_context():
        assert db.session.scalar(select(Sender.verified_at)) is not None
    assert admin_client.get("/marketing/senders/verify/forged").status_code == 404


def test_a_layout_is_checked_on_save(app, admin_client):
    base = {"name": "Plain", "format": "html"}
    escape = post_form(admin_client, "/marketing/layouts/new",
                       {**base, "body": "{{ content }}{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    assert escape.status_code == 422
    unknown = post_form(admin_client, "/marketing/layouts/new", {**base, "body": "{{ content }}{{ donor.name }}"})
    assert unknown.status_code == 422 and "There is no merge field called “donor”" in unknown.get_data(as_text=True)
    no_content = post_form(admin_client, "/marketing/layouts/new", {**base, "body": "<p>{{ org.name }}</p>"})
    assert "Put {{ content }} where" in no_content.get_data(as_text=True)
    saved = post_form(admin_client, "/marketing/layouts/new",
                      {**base, "body": "<div>{{ content }}</div><a href=\"{{ unsubscribe_url }}\">Leave</a>"})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Layout)) == 2  # with the shipped default


def test_the_checklist_says_what_is_missing_next_to_each_field(app, admin_client):
    _audience(app)
    assert _new(admin_client, subject="", body="Hi [x](htp:/nowhere)").status_code == 303
    row = _campaign(app)
    page = admin_client.get(f"/marketing/campaigns/{row.id}").get_data(as_text=True)
    assert "Write a subject." in page
    assert "Choose a verified sender." in page
    assert "Nobody is in the audience" in page
    assert "These links are not well-formed web addresses: htp:/nowhere" in page
    assert "Send now…" not in page
    edit = admin_client.get(f"/marketing/campaigns/{row.id}/edit").get_data(as_text=True)
    assert "Before sending: Write a subject." in edit
    # Sending is refused as long as it fails.
    assert admin_client.get(f"/marketing/campaigns/{row.id}/send").status_code == 422


def test_preview_as_a_contact_and_a_test_send(app, admin_client, smtp):
    seg, sender_id = _audience(app)
    assert _new(admin_client, segments=[str(seg)], sender_id=str(sender_id)).status_code == 303
    row = _campaign(app)
    assert row.audience["segments"] == [seg]
    page = admin_client.get(f"/marketing/campaigns/{row.id}").get_data(as_text=True)
    assert "1 message" in page and "Send now…" in page
    found = admin_client.get(f"/marketing/campaigns/{row.id}/preview?q=ann").get_data(as_text=True)
    with app.app_context():
        from modules.contacts.models import Contact

        ann = db.session.scalar(select(Contact.id).where(Contact.first_name == "Ann"))
    assert f"contact={ann}" in found
    shown = admin_client.get(f"/marketing/campaigns/{row.id}/preview?contact={ann}").get_data(as_text=True)
    assert "Spring news for Ann" in shown and "Dear Ann," in shown and "/marketing/unsubscribe/" in shown

    sent = post_form(admin_client, f"/marketing/campaigns/{row.id}/test",
                     {"addresses": "me@example.org, You@Example.org", "contact_id": str(ann)})
    assert sent.status_code == 303
    run_jobs(app)
    assert sorted(m["To"] for m in smtp.messages) == ["me@example.org", "you@example.org"]
    message = smtp.messages[0]
    assert message["Subject"] == "[Test] Spring news for Ann"
    assert message["From"] == "Riverside <news@riverside.example>"  # the campaign's sender, as the send will be
    assert message.get_body(("plain",)).get_content().startswith("TEST: this is a test of a campaign.")
    assert "Dear Ann," in message.get_body(("html",)).get_content()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Recipient)) == 0
        assert db.session.get(Campaign, row.id).status == DRAFT
    bad = post_form(admin_client, f"/marketing/campaigns/{row.id}/test", {"addresses": "nope"})
    assert bad.status_code == 422 and "“nope” is not an email address." in bad.get_data(as_text=True)


def test_send_now_freezes_the_audience_and_queues_the_job(app, admin_client):
    seg, sender_id = _audience(app)
    _new(admin_client, segments=[str(seg)], sender_id=str(sender_id))
    row = _campaign(app)
    confirm = admin_client.get(f"/marketing/campaigns/{row.id}/send").get_data(as_text=True)
    assert "to 1 message now?" in confirm
    assert post_form(admin_client, f"/marketing/campaigns/{row.id}/send", {},
                     page=f"/marketing/campaigns/{row.id}/send").status_code == 303
    with app.app_context():
        # The request only hands the campaign to the job: freezing is the job's first step.
        stored = db.session.get(Campaign, row.id)
        assert (stored.status, stored.recipients_total) == (FREEZING, 0)
        assert db.session.scalars(select(Recipient.email)).all() == []
        assert db.session.scalar(select(Job.kind).where(Job.id == stored.job_id)) == "marketing.send_campaign"
        job_id = stored.job_id
    page = admin_client.get(f"/marketing/campaigns/{row.id}").get_data(as_text=True)
    assert "Preparing the audience: 0 recipients so far." in page
    with app.app_context():
        jobs.run(job_id)  # no mail server is set: it freezes, then pauses saying so
        db.session.remove()
        stored = db.session.get(Campaign, row.id)
        assert stored.recipients_total == 1 and stored.status == "paused"
        assert db.session.scalars(select(Recipient.email)).all() == ["ann@example.org"]


def test_schedule_in_the_past_is_refused_and_a_cancelled_schedule_sends_nothing(app, admin_client):
    seg, sender_id = _audience(app)
    _new(admin_client, segments=[str(seg)], sender_id=str(sender_id))
    row = _campaign(app)
    url = f"/marketing/campaigns/{row.id}/schedule"
    past = post_form(admin_client, url, {"send_at": (utcnow() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")},
                     page=f"/marketing/campaigns/{row.id}")
    assert past.status_code == 422 and "That time has passed." in past.get_data(as_text=True)
    at = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    assert post_form(admin_client, url, {"send_at": at.strftime("%Y-%m-%dT%H:%M")},
                     page=f"/marketing/campaigns/{row.id}").status_code == 303
    with app.app_context():
        stored = db.session.get(Campaign, row.id)
        assert stored.status == SCHEDULED and stored.scheduled_at == at
        early = scheduled.run(utcnow())  # before its time: nothing starts; it says when to look again
        assert early.next_at == at and db.session.get(Campaign, row.id).status == SCHEDULED
    assert post_form(admin_client, f"/marketing/campaigns/{row.id}/unschedule", {},
                     page=f"/marketing/campaigns/{row.id}").status_code == 303
    with app.app_context():
        late = scheduled.run(at + timedelta(minutes=1))
        stored = db.session.get(Campaign, row.id)
        # Nothing is scheduled any more: the schedule looks again a day later (scheduling one wakes it).
        assert stored.status == DRAFT and stored.scheduled_at is None
        assert late.summary == "Started 0 scheduled campaigns" and late.next_at == at + timedelta(days=1, minutes=1)
        assert db.session.scalar(select(func.count()).select_from(Recipient)) == 0
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_schedule_starts_a_campaign_when_its_time_comes(app, admin_client):
    seg, sender_id = _audience(app)
    _new(admin_client, segments=[str(seg)], sender_id=str(sender_id))
    row = _campaign(app)
    at = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
    post_form(admin_client, f"/marketing/campaigns/{row.id}/schedule", {"send_at": at.strftime("%Y-%m-%dT%H:%M")},
              page=f"/marketing/campaigns/{row.id}")
    with app.app_context():  # a restart between: only the database holds the schedule
        ran = scheduled.run(at + timedelta(seconds=5))
        stored = db.session.get(Campaign, row.id)
        assert ran.summary == "Started 1 scheduled campaign" and stored.status == FREEZING
        assert stored.job_id is not None  # the job freezes the audience
        again = scheduled.run(at + timedelta(seconds=10))
        assert again.summary == "Started 0 scheduled campaigns"


def test_duplicate_and_delete_a_draft(app, admin_client):
    _new(admin_client)
    row = _campaign(app)
    assert post_form(admin_client, f"/marketing/campaigns/{row.id}/duplicate", {},
                     page=f"/marketing/campaigns/{row.id}").status_code == 303
    copy = _campaign(app)
    assert copy.name == "Spring news (copy)" and copy.body == row.body and copy.status == DRAFT
    confirm = admin_client.get(f"/marketing/campaigns/{row.id}/delete").get_data(as_text=True)
    assert "Delete the draft “Spring news”?" in confirm
    post_form(admin_client, f"/marketing/campaigns/{row.id}/delete", {}, page=f"/marketing/campaigns/{row.id}/delete")
    with app.app_context():
        assert db.session.scalars(select(Campaign.name)).all() == ["Spring news (copy)"]
    listing = admin_client.get("/marketing/campaigns").get_data(as_text=True)
    assert "Spring news (copy)" in listing and "Draft" in listing


def test_a_scheduled_campaign_that_no_longer_passes_the_checklist_goes_back_to_draft(app, admin_client):
    seg, sender_id = _audience(app)
    _new(admin_client, segments=[str(seg)], sender_id=str(sender_id))
    row = _campaign(app)
    at = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
    post_form(admin_client, f"/marketing/campaigns/{row.id}/schedule", {"send_at": at.strftime("%Y-%m-%dT%H:%M")},
              page=f"/marketing/campaigns/{row.id}")
    with app.app_context():
        db.session.delete(db.session.get(Sender, sender_id))
        db.session.commit()
        ran = scheduled.run(at + timedelta(seconds=5))
        stored = db.session.get(Campaign, row.id)
        assert ran.summary == "Started 0 scheduled campaigns" and stored.status == DRAFT
        assert stored.paused_reason == "It could not start at its scheduled time: Choose a verified sender."
        assert db.session.scalar(select(func.count()).select_from(Recipient)) == 0
    assert "It could not start at its scheduled time" in admin_client.get(
        f"/marketing/campaigns/{row.id}").get_data(as_text=True)


def _edit_token(admin_client, url) -> str:
    import re

    html = admin_client.get(url).get_data(as_text=True)
    return re.search(r'name="edit_token" value="([^"]+)"', html).group(1)


def test_two_people_editing_one_draft_never_lose_an_edit(app, admin_client):
    seg, sender_id = _audience(app)
    _new(admin_client, segments=[str(seg)], sender_id=str(sender_id))
    row = _campaign(app)
    url = f"/marketing/campaigns/{row.id}/edit"
    mine, theirs = _edit_token(admin_client, url), _edit_token(admin_client, url)
    form = {"name": "Spring news", "subject": row.subject, "preheader": "", "format": "markdown", "body": row.body,
            "match": "all", "per": "combined", "sender_id": str(sender_id), "topic_id": "",
            "layout_id": "", "expand": "", "filters": "", "segments": [str(seg)]}
    assert post_form(admin_client, url, {**form, "preheader": "Their preheader", "edit_token": theirs}).status_code \
        == 303
    # Mine changes the subject only: their preheader stays.
    assert post_form(admin_client, url, {**form, "subject": "My subject", "edit_token": mine}).status_code == 303
    with app.app_context():
        stored = db.session.get(Campaign, row.id)
        assert (stored.subject, stored.preheader) == ("My subject", "Their preheader")
    # Both change the preheader, differently: the form comes back, nothing saved.
    clash = post_form(admin_client, url, {**form, "preheader": "Mine too", "edit_token": mine})
    assert clash.status_code == 409
    with app.app_context():
        assert db.session.get(Campaign, row.id).preheader == "Their preheader"


def test_the_audience_size_is_capped_like_the_contact_list(app, monkeypatch):
    from modules.contacts.lists import queries
    from modules.marketing import audience
    from tests.modules.marketing.campaign_helpers import campaign

    with app.app_context():
        for n in range(3):
            person(f"P{n}", f"p{n}@example.org", tags=["News"])
        row = campaign({"segments": [segment("News readers", "News")]})
        assert audience.estimate(row) == (3, False)
        monkeypatch.setattr(queries, "COUNT_CAP", 2)
        assert audience.estimate(row) == (2, True)
        assert audience.estimate_label(*audience.estimate(row)) == "2+ messages"
