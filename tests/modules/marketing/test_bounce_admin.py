"""Admin → Bounces and complaints: the recent reports with their contacts
and campaign, the settings form (the soft-bounce rule the handler then
follows, the webhook secrets, validation next to the fields, a colleague's
save kept), and the suppression list linking each address's contact."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import settings
from app.extensions import db
from app.models import AuditEntry
from modules.marketing.bounces.record import Found, act, soft_rule
from tests.conftest import csrf_from, login, make_user, post_form
from tests.modules.marketing.bounce_helpers import campaign
from tests.modules.marketing.helpers import make_person

FORM = {"soft_bounce_limit": "3", "soft_bounce_days": "30", "ses_topic_arns": "", "postmark_username": "",
        "postmark_password": "", "postmark_token": ""}


def test_recent_bounces_and_the_suppression_list_name_the_contact_and_campaign(app, admin_client):
    person = make_person(app, "Gil", "Gone", "gone.away@example.net")
    with app.app_context():
        rows = campaign("Spring appeal", {"gone.away@example.net": person})
        act(Found("gone.away@example.net", "hard", "5.1.1 user unknown", rows["gone.away@example.net"].id),
            "mailbox", "mailbox:test:1")
        act(Found("nobody@example.net", "complaint", "feedback report (abuse)"), "postmark", "postmark:test:2")
        db.session.commit()
    page = admin_client.get("/marketing/bounces").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "gone.away@example.net Gil Gone Hard bounce Spring appeal Bounce mailbox 5.1.1 user unknown" in text
    assert "nobody@example.net Complaint — Postmark feedback report (abuse)" in text
    assert f'href="/contacts/{person}"' in page
    listing = admin_client.get("/marketing/suppressions").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", listing))
    assert "gone.away@example.net Gil Gone Hard bounce 5.1.1 user unknown" in text
    assert "nobody@example.net Complaint feedback report (abuse)" in text


def test_the_settings_are_validated_saved_audited_and_followed(app, admin_client):
    bad = post_form(admin_client, "/marketing/bounces/settings",
                    {**FORM, "soft_bounce_limit": "0", "ses_topic_arns": "not an arn", "postmark_username": "pm"},
                    page="/marketing/bounces/settings")
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Give a number from 1 to 50." in body and "One topic ARN a line" in body
    assert "Give both the user name and the password, or neither." in body
    good = post_form(admin_client, "/marketing/bounces/settings",
                     {**FORM, "soft_bounce_limit": "5", "soft_bounce_days": "14",
                      "ses_topic_arns": "arn:aws:sns:eu-west-1:123456789012:bounces",
                      "postmark_token": "tok-9f8e7d6c5b4a3210"}, page="/marketing/bounces/settings")
    assert good.status_code == 303
    with app.app_context():
        assert soft_rule() == (5, 14)
        assert settings.get("marketing", "ses_topic_arns") == "arn:aws:sns:eu-west-1:123456789012:bounces"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.summary.like("Changed the bounce%")))
        assert entry.changes["postmark_token"] == ["(hidden)", "(hidden)"]
        assert entry.changes["soft_bounce_limit"] == [3, 5]


def test_a_colleagues_save_is_kept_when_another_field_is_saved(app, admin_client):
    page = admin_client.get("/marketing/bounces/settings").get_data(as_text=True)
    token = re.search(r'name="edit_token" value="([^"]*)"', page)
    assert token, "the form carries its edit token"
    with app.app_context():  # a colleague saves the days meanwhile
        settings.put("marketing", {"soft_bounce_days": 60})
        db.session.commit()
    mine = admin_client.post("/marketing/bounces/settings", data={
        **FORM, "soft_bounce_limit": "4", "edit_token": token.group(1),
        "csrf_token": csrf_from(admin_client, "/marketing/bounces/settings")})
    assert mine.status_code == 303
    with app.app_context():
        assert soft_rule() == (4, 60)


def test_staff_cannot_open_the_bounce_pages(app, client):
    make_user(app, "staff@example.org", role_key="staff", name="Sam Staff")
    login(client, "staff@example.org")
    assert client.get("/marketing/bounces").status_code == 403
    assert client.get("/marketing/bounces/settings").status_code == 403


def test_a_bounce_outranks_unsubscribed_from_everything(app, ctx):
    """"Unsubscribed from everything" is lifted when the person subscribes
    again; a bounce or complaint must not be, so it takes that row's place."""
    from modules.marketing.suppressions import suppress
    from tests.modules.marketing.bounce_helpers import suppressed

    suppress("ann@example.net", "unsubscribed", note="preference page")
    suppress("bob@example.net", "manual", note="asked by phone")
    db.session.commit()
    assert act(Found("ann@example.net", "hard", "5.1.1 user unknown"), "ses", "ses:1:ann") == \
        "hard bounce for ann@example.net: suppressed"
    assert act(Found("bob@example.net", "complaint", "abuse"), "ses", "ses:2:bob") == \
        "complaint for bob@example.net: already suppressed (added by hand)"
    db.session.commit()
    assert suppressed() == {"ann@example.net": "hard_bounce", "bob@example.net": "manual"}


def test_a_contacts_bounces_are_exported_and_erased_with_them(app):
    """Personal data: the bounce log is in the contact's export; erasure
    removes it, and the suppression stays so the address is never mailed."""
    from modules.contacts.people import privacy, records
    from modules.marketing.models import Bounce
    from tests.modules.marketing.bounce_helpers import suppressed

    make_user(app)
    grace = make_person(app)
    with app.test_request_context():
        act(Found("grace@example.org", "hard", "5.1.1 user unknown"), "mailbox", "mailbox:g:1")
        act(Found("someone.else@example.org", "soft", "4.2.2 mailbox full"), "mailbox", "mailbox:s:1")
        db.session.commit()
        section = privacy.export_data(records.load(grace))["modules"]["marketing"]
        assert [(b["email"], b["kind"], b["detail"]) for b in section["bounces_and_complaints"]] == [
            ("grace@example.org", "Hard bounce", "5.1.1 user unknown")]
        privacy.erase(records.load(grace))
        db.session.commit()
        assert db.session.scalars(select(Bounce.email)).all() == ["someone.else@example.org"]
        assert suppressed() == {"grace@example.org": "hard_bounce"}


def test_the_postmark_secrets_are_never_shown_back_and_kept_until_replaced_or_forgotten(app, admin_client):
    url = "/marketing/bounces/settings"
    post_form(admin_client, url, {**FORM, "postmark_username": "pm", "postmark_password": "pw-0123456789abcdef",
                                  "postmark_token": "tok-9f8e7d6c5b4a3210"}, page=url)
    page = admin_client.get(url).get_data(as_text=True)
    assert "pw-0123456789abcdef" not in page and "tok-9f8e7d6c5b4a3210" not in page
    assert "Set now: a password and a token (not shown)." in page
    # Saving another field with the secret fields empty keeps them (and the user name needs no password typed).
    kept = post_form(admin_client, url, {**FORM, "soft_bounce_limit": "4", "postmark_username": "pm"}, page=url)
    assert kept.status_code == 303
    with app.app_context():
        stored = settings.get_all("marketing")
        assert (stored["postmark_password"], stored["postmark_token"]) == ("pw-0123456789abcdef",
                                                                            "tok-9f8e7d6c5b4a3210")
    post_form(admin_client, url, {**FORM, "forget_postmark": "y"}, page=url)
    with app.app_context():
        stored = settings.get_all("marketing")
        assert (stored["postmark_username"], stored["postmark_password"], stored["postmark_token"]) == ("", "", "")
