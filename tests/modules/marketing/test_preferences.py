"""The preference page and one-click unsubscribe (RFC 8058), opened from a
personal signed link with no login: GET never changes anything (link
scanners), the one-click POST works with no cookie and no CSRF token and
answers 200 without a redirect, a forged link gets a clear page, and every
change is in the consent ledger with its source and IP address."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from modules.marketing import tokens
from modules.marketing.models import PreferenceKey, Suppression
from modules.marketing.subscriptions import Origin, change
from tests.conftest import make_user
from tests.modules.marketing.helpers import count, ledger, make_person, make_topic, subscription_rows

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def grace(app):
    """Grace, subscribed to Newsletter and Events; Appeals she never joined."""
    make_user(app)  # the app is set up (no first-run redirect)
    topics = {name: make_topic(app, name) for name in ("Newsletter", "Events", "Appeals")}
    contact_id = make_person(app)
    with app.test_request_context():
        from modules.contacts.models import Contact
        from modules.marketing.models import Topic

        for name in ("Newsletter", "Events"):
            change(db.session.get(Contact, contact_id), db.session.get(Topic, topics[name]), True, Origin("staff"))
        db.session.commit()
    return {"id": contact_id, **topics}


def _link(app, contact_id, topic_id=None) -> str:
    with app.test_request_context():
        token = tokens.preference_token(contact_id, topic_id)
        db.session.commit()
        return token


def _state(app, grace) -> dict[str, str]:
    names = {grace[n]: n for n in ("Newsletter", "Events", "Appeals")}
    return {names[t]: status for _, t, status, _ in subscription_rows(app, grace["id"])}


def test_the_link_does_not_reveal_the_contact_id(app, grace):
    token = _link(app, grace["id"])
    data = URLSafeSerializer("any key").loads_unsafe(token)[1]  # what anyone can read in the link
    assert data == {"k": _key(app, grace["id"])}  # only the random key; the id stays in the database
    assert len(data["k"]) == 32
    assert _link(app, grace["id"]) == token  # the same key every time
    assert count(app, PreferenceKey) == 1


def test_get_shows_the_topics_and_changes_nothing(app, client, grace):
    before = ledger(app)
    for url in (f"/marketing/preferences/{_link(app, grace['id'])}",
                f"/marketing/unsubscribe/{_link(app, grace['id'], grace['Newsletter'])}"):
        response = client.get(url)
        assert response.status_code == 200
    page = client.get(f"/marketing/preferences/{_link(app, grace['id'])}").get_data(as_text=True)
    assert f'value="{grace["Newsletter"]}" checked' in page
    assert f'value="{grace["Appeals"]}">' in page  # offered, not ticked
    assert "Unsubscribe from everything" in page
    assert ledger(app) == before
    assert _state(app, grace) == {"Newsletter": "subscribed", "Events": "subscribed"}


def test_one_click_post_without_cookies_or_csrf_unsubscribes_from_the_campaign_topic(app, grace):
    token = _link(app, grace["id"], grace["Newsletter"])
    mailer = app.test_client(use_cookies=False)  # a mail provider: no session, no token
    response = mailer.post(f"/marketing/unsubscribe/{token}", data=ONE_CLICK,
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 200  # no redirect
    assert "Set-Cookie" not in response.headers
    assert "You will get no more emails about" in response.get_data(as_text=True)
    assert _state(app, grace) == {"Newsletter": "unsubscribed", "Events": "subscribed"}
    rows = [e for e in ledger(app) if e["status"] == "opted_out"]
    assert rows == [{"contact": grace["id"], "status": "opted_out", "topic": f"marketing:{grace['Newsletter']}",
                     "source": "one-click unsubscribe", "wording": "", "ip": "198.51.100.7", "user": None}]
    # The provider retries: nothing more is written.
    assert mailer.post(f"/marketing/unsubscribe/{token}", data=ONE_CLICK).status_code == 200
    assert len([e for e in ledger(app) if e["status"] == "opted_out"]) == 1


def test_one_click_without_a_topic_unsubscribes_from_everything(app, grace):
    token = _link(app, grace["id"])
    response = app.test_client(use_cookies=False).post(f"/marketing/unsubscribe/{token}", data=ONE_CLICK)
    assert response.status_code == 200
    assert _state(app, grace) == {"Newsletter": "unsubscribed", "Events": "unsubscribed"}
    with app.app_context():
        assert [tuple(r) for r in db.session.execute(select(Suppression.email, Suppression.reason))] == \
            [("grace@example.org", "unsubscribed")]


def test_a_post_without_the_one_click_body_changes_nothing(app, grace):
    token = _link(app, grace["id"], grace["Newsletter"])
    response = app.test_client(use_cookies=False).post(f"/marketing/unsubscribe/{token}", data={})
    assert response.status_code == 400
    assert "List-Unsubscribe=One-Click" in response.get_data(as_text=True)
    assert _state(app, grace)["Newsletter"] == "subscribed"


@pytest.mark.parametrize("forge", ["tampered", "other_secret", "unknown_key", "garbage"])
def test_a_forged_link_gets_a_clear_page_and_changes_nothing(app, grace, forge):
    good = _link(app, grace["id"], grace["Newsletter"])
    token = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "other_secret": URLSafeSerializer("not the secret", salt=tokens.PREFERENCES_SALT).dumps(
            {"k": _key(app, grace["id"]), "t": grace["Newsletter"]}),
        "unknown_key": _signed(app, {"k": "no-such-key"}),
        "garbage": "x",
    }[forge]
    client = app.test_client(use_cookies=False)
    for response in (client.get(f"/marketing/preferences/{token}"),
                     client.post(f"/marketing/unsubscribe/{token}", data=ONE_CLICK)):
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
    assert _state(app, grace)["Newsletter"] == "subscribed"


def _csrf(page: str) -> str:
    """The preference page's CSRF token (a public page: no <meta> for HTMX)."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _key(app, contact_id):
    with app.app_context():
        return db.session.scalar(select(PreferenceKey.key).where(PreferenceKey.contact_id == contact_id))


def _signed(app, payload):
    with app.app_context():
        return URLSafeSerializer(app.config["SECRET_KEY"], salt=tokens.PREFERENCES_SALT).dumps(payload)


def test_the_unsubscribe_link_of_another_purpose_is_refused(app, grace):
    """A token signed for another purpose (a password reset's salt) opens nothing."""
    with app.app_context():
        token = URLSafeSerializer(app.config["SECRET_KEY"], salt="steward.password-reset").dumps(
            {"k": _key(app, grace["id"]) or "x"})
    assert app.test_client().get(f"/marketing/preferences/{token}").status_code == 404


def test_saving_the_preference_page_records_each_change_with_the_ip(app, client, grace):
    url = f"/marketing/preferences/{_link(app, grace['id'])}"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "shown": [grace["Newsletter"], grace["Events"], grace["Appeals"]],
            "topic": [grace["Events"], grace["Appeals"]]}  # leave Newsletter, keep Events, join Appeals
    response = client.post(url, data=data, environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert response.status_code == 303
    assert _state(app, grace) == {"Newsletter": "unsubscribed", "Events": "subscribed", "Appeals": "subscribed"}
    new = [(e["status"], e["topic"], e["source"], e["ip"]) for e in ledger(app)][2:]
    assert new == [("opted_in", f"marketing:{grace['Appeals']}", "preference page", "192.0.2.44"),
                   ("opted_out", f"marketing:{grace['Newsletter']}", "preference page", "192.0.2.44")]
    assert "Your choices are saved." in client.get(url).get_data(as_text=True)


def test_the_preference_page_needs_its_csrf_token(app, grace):
    url = f"/marketing/preferences/{_link(app, grace['id'])}"
    response = app.test_client().post(url, data={"shown": [grace["Newsletter"]]})
    assert response.status_code == 400
    assert _state(app, grace)["Newsletter"] == "subscribed"


def test_a_topic_not_on_the_page_someone_saw_is_left_alone(app, client, grace):
    url = f"/marketing/preferences/{_link(app, grace['id'])}"
    page = client.get(url).get_data(as_text=True)
    token = _csrf(page)
    # An old page that showed only Newsletter, with it unticked: Events stays as it is.
    client.post(url, data={"csrf_token": token, "shown": [grace["Newsletter"]]})
    assert _state(app, grace) == {"Newsletter": "unsubscribed", "Events": "subscribed"}


def test_one_click_is_rate_limited(app, grace):
    token = _link(app, grace["id"], grace["Newsletter"])
    client = app.test_client(use_cookies=False)
    codes = [client.post(f"/marketing/unsubscribe/{token}", data=ONE_CLICK).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
