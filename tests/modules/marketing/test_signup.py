"""Public sign-up with double opt-in, end to end over real parts: the form
posts (no CSRF token: it is embedded on other sites), the confirmation email
goes through the core mail service and a delivery job to aiosmtpd, and the
link is read from the message that arrived. A GET of the link confirms
nothing; the POST confirms once, however often it is sent."""

from __future__ import annotations

import re
import time

import itsdangerous
import pytest
from sqlalchemy import select

from app.extensions import db
from modules.contacts.models import Contact, ContactEmail
from modules.contacts.people import records
from modules.marketing.models import SUPPORTERS, PendingSignup, Subscription
from tests.conftest import make_user
from tests.modules.marketing.conftest import link_in, run_jobs
from tests.modules.marketing.helpers import count, ledger, make_person, make_topic, subscription_rows

WORDING = "Yes, email me the monthly newsletter. I can unsubscribe at any time."
FORM = {"email": "New.Person@Example.org", "first_name": "Nora", "last_name": "Quist", "website": ""}


@pytest.fixture
def topic(app):
    make_user(app)
    return make_topic(app, "Newsletter", wording=WORDING)


def _join(client, data=None, ip="203.0.113.5"):
    return client.post("/marketing/join/newsletter", data=data or FORM, environ_base={"REMOTE_ADDR": ip})


def _confirm_link(app, smtp) -> str:
    run_jobs(app)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "new.person@example.org"
    assert message["Subject"] == "Confirm your subscription to Newsletter"
    return link_in(message, "/marketing/join/confirm/")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _people(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(Contact.first_name, Contact.last_name, Contact.email)
                                                     .order_by(Contact.id))]


def test_double_opt_in_through_a_real_smtp_server(app, topic, smtp):
    website = app.test_client(use_cookies=False)  # the form on the organisation's site
    response = _join(website)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/marketing/join/newsletter?sent=1")
    assert "Check your email" in website.get(response.headers["Location"]).get_data(as_text=True)
    assert count(app, PendingSignup) == 1 and _people(app) == []

    link = _confirm_link(app, smtp)
    person = app.test_client()
    page = person.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Confirm my subscription" in html and "js/marketing-confirm.js" in html and "data-auto-submit" in html
    # A link scanner fetched it: nothing is confirmed.
    assert _people(app) == [] and subscription_rows(app) == [] and ledger(app) == []

    done = person.post(link, data={"csrf_token": _csrf(html)}, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert done.status_code == 200
    assert "You are subscribed" in done.get_data(as_text=True)
    assert _people(app) == [("Nora", "Quist", "new.person@example.org")]
    contact_id = subscription_rows(app)[0][0]
    assert subscription_rows(app) == [(contact_id, topic, "subscribed", "sign-up form")]
    assert ledger(app) == [{"contact": contact_id, "status": "opted_in", "topic": f"marketing:{topic}",
                            "source": "sign-up form", "wording": WORDING, "ip": "198.51.100.23", "user": None}]

    # The second click (another tab, a double click): still one of each.
    again = person.post(link, data={"csrf_token": _csrf(html)})
    assert again.status_code == 200 and "You are subscribed" in again.get_data(as_text=True)
    assert person.get(link).status_code == 200
    assert len(_people(app)) == 1 and count(app, Subscription) == 1 and len(ledger(app)) == 1


def test_an_existing_contact_is_matched_by_email_never_duplicated(app, topic, smtp):
    grace = make_person(app, "Grace", "Hopper", "new.person@example.org")
    _join(app.test_client(), {**FORM, "first_name": "G", "last_name": "H"})
    link = _confirm_link(app, smtp)
    client = app.test_client()
    client.post(link, data={"csrf_token": _csrf(client.get(link).get_data(as_text=True))})
    assert _people(app) == [("Grace", "Hopper", "new.person@example.org")]  # her name is not overwritten
    assert subscription_rows(app) == [(grace, topic, "subscribed", "sign-up form")]


def test_a_trashed_contact_is_restored_rather_than_duplicated(app, topic, smtp):
    grace = make_person(app, "Grace", "Hopper", "new.person@example.org")
    with app.test_request_context():
        records.trash([db.session.get(Contact, grace)])
        db.session.commit()
    _join(app.test_client())
    link = _confirm_link(app, smtp)
    client = app.test_client()
    client.post(link, data={"csrf_token": _csrf(client.get(link).get_data(as_text=True))})
    with app.app_context():
        assert db.session.get(Contact, grace).deleted_at is None
        assert db.session.scalar(select(db.func.count()).select_from(ContactEmail)) == 1
    assert subscription_rows(app) == [(grace, topic, "subscribed", "sign-up form")]


def test_the_honeypot_stores_and_sends_nothing_but_answers_the_same(app, topic, smtp):
    response = _join(app.test_client(), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 303 and response.headers["Location"].endswith("?sent=1")
    run_jobs(app)
    assert count(app, PendingSignup) == 0 and smtp.messages == []


def test_a_bad_address_is_refused_next_to_the_field(app, topic):
    response = _join(app.test_client(), {**FORM, "email": "not-an-address"})
    assert response.status_code == 422
    assert "Enter a valid email address" in response.get_data(as_text=True)
    assert count(app, PendingSignup) == 0


def test_sign_ups_are_rate_limited_per_address(app, topic):
    client = app.test_client()
    codes = [_join(client, {**FORM, "email": f"p{n}@example.org"}).status_code for n in range(11)]
    assert codes == [303] * 10 + [429]
    assert count(app, PendingSignup) == 10
    assert _join(client, {**FORM, "email": "other@example.org"}, ip="192.0.2.99").status_code == 303


def test_a_topic_for_existing_supporters_cannot_be_joined(app, topic):
    make_topic(app, "Major donors", kind=SUPPORTERS)
    client = app.test_client()
    assert client.get("/marketing/join/major-donors").status_code == 404
    assert client.post("/marketing/join/major-donors", data=FORM).status_code == 404
    assert count(app, PendingSignup) == 0


def test_an_expired_confirmation_link_says_so_and_confirms_nothing(app, topic, smtp, monkeypatch):
    eight_days_ago = int(time.time()) - 8 * 86400
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
    _join(app.test_client())
    link = _confirm_link(app, smtp)
    monkeypatch.undo()
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 410 and "This confirmation link has expired" in page.get_data(as_text=True)
    assert client.post(link, data={}).status_code in (400, 410)
    assert subscription_rows(app) == [] and _people(app) == []


def test_a_forged_confirmation_link_confirms_nothing(app, topic, smtp):
    _join(app.test_client())
    link = _confirm_link(app, smtp)
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    page = app.test_client().get(forged)
    assert page.status_code == 404 and "This confirmation link does not work" in page.get_data(as_text=True)
    assert subscription_rows(app) == []


def test_sign_ups_whose_link_expired_are_deleted_with_the_next_sign_up(app, topic):
    from datetime import timedelta

    from app.models.base import utcnow

    with app.app_context():
        for days, email in ((8, "old@example.org"), (6, "recent@example.org")):
            db.session.add(PendingSignup(topic_id=topic, key=f"k-{email}", email=email, ip="192.0.2.1",
                                         created_at=utcnow() - timedelta(days=days)))
        db.session.commit()
    _join(app.test_client())
    with app.app_context():
        assert sorted(db.session.scalars(select(PendingSignup.email))) == \
            ["new.person@example.org", "recent@example.org"]


def test_public_pages_show_the_organisations_logo_and_name(app, topic):
    import io

    from PIL import Image

    from app import organisation, settings

    image = io.BytesIO()
    Image.new("RGB", (120, 40), (31, 95, 139)).save(image, "PNG")
    with app.test_request_context():
        settings.put("core", {"org_name": "Riverside Food Bank"})
        organisation.save_logo(organisation.read_logo(io.BytesIO(image.getvalue())))
        db.session.commit()
    html = app.test_client().get("/marketing/join/newsletter").get_data(as_text=True)
    assert '<img class="public-logo" src="data:image/png;base64,' in html
    assert 'alt="Riverside Food Bank"' in html
    assert "<title>Sign up: Newsletter · Riverside Food Bank</title>" in html
    assert 'class="mainnav"' not in html and "htmx" not in html  # the minimal public layout
